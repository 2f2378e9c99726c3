"""jointcare load-reference [--lookup FILE [--bodies FILE] [--councils FILE]]

Loads the shipped reference data (idempotent: run twice, same rows). With --lookup, today's geography comes from
ONS files you downloaded instead of the shipped ones (see README, "A newer ONS lookup").
"""

import time
from pathlib import Path

from django.core.management.base import CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from jointcare.cli import DataCommand
from jointcare.errors import ServiceError
from jointcare.places import services


class Command(DataCommand):
    help = (
        "Load LSOAs, areas, PCT shares, today's ICBs and Sub-ICB locations, and reference organisations (ICBs, "
        "Sub-ICB locations, CCGs, STPs, PCTs, councils, GP practices) with their history."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lookup", type=Path,
            help="ONS 'LSOA (2021) to Sub ICB Locations to Integrated Care Boards to LAD' CSV, in place of the shipped one",
        )
        parser.add_argument(
            "--bodies", type=Path,
            help="ONS 'Sub ICB Locations to Integrated Care Boards' CSV, when the LSOA lookup has no names or ODS codes",
        )
        parser.add_argument(
            "--councils", type=Path,
            help="ONS 'Lower Tier Local Authority to Upper Tier Local Authority' CSV of the same year (default: shipped)",
        )

    def handle(self, *args, **options):
        console = Console(stderr=False)
        started = time.perf_counter()
        current = None
        if options["lookup"] is None and (options["bodies"] or options["councils"]):
            raise CommandError("--bodies and --councils go with --lookup")
        if options["lookup"] is not None:
            for key in ("lookup", "bodies", "councils"):
                if options[key] is not None and not options[key].is_file():
                    raise CommandError(f"No such file: {options[key]}")
            try:
                current = services.read_current_files(options["lookup"], options["bodies"], options["councils"])
            except ServiceError as exc:
                lines = [e["message"] for e in exc.errors[:20]]
                raise CommandError("The lookup cannot be loaded:\n" + "\n".join(lines)) from None
            except UnicodeDecodeError:
                raise CommandError("The files must be CSV in UTF-8, as the ONS publishes them") from None
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=False,
        ) as bar:
            task = bar.add_task("Loading reference data", total=len(services.STEPS))

            def progress(step, done, total):
                bar.update(task, completed=done, total=total, description=f"Loaded {step}")

            result = services.load_reference(None, progress=progress, current=current)
        for name, c in result["counts"].items():
            console.print(f"{name}: {c['created']} new, {c['updated']} changed, {c['deleted']} removed")
        for line in result["skipped"][:20]:
            console.print(f"[yellow]skipped[/] {line}")
        if len(result["skipped"]) > 20:
            console.print(f"[yellow]... and {len(result['skipped']) - 20} more skipped[/]")
        nhs, councils = result["vintage"]
        kept = " (kept: newer than the shipped lookup)" if result["kept_newer"] else ""
        console.print(f"Today's geography: ICBs and Sub-ICB locations of April {nhs}, councils of April {councils}{kept}")
        console.print(f"Reference data loaded in {time.perf_counter() - started:.1f} s")
