"""jointcare load-reference: load the shipped reference data (idempotent: run twice, same rows)."""

import time

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from jointcare.places import services


class Command(BaseCommand):
    help = "Load LSOAs, areas, PCT shares and reference organisations (ICBs, sub-ICBs, PCTs, councils, GP practices)."

    def handle(self, *args, **options):
        console = Console(stderr=False)
        started = time.perf_counter()
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=False,
        ) as bar:
            task = bar.add_task("Loading reference data", total=5)

            def progress(step, done, total):
                bar.update(task, completed=done, total=total, description=f"Loaded {step}")

            result = services.load_reference(None, progress=progress)
        for name, c in result["counts"].items():
            console.print(f"{name}: {c['created']} new, {c['updated']} changed, {c['deleted']} removed")
        for line in result["skipped"][:20]:
            console.print(f"[yellow]skipped[/] {line}")
        if len(result["skipped"]) > 20:
            console.print(f"[yellow]... and {len(result['skipped']) - 20} more skipped[/]")
        console.print(f"Reference data loaded in {time.perf_counter() - started:.1f} s")
