"""`jointcare import-services FILE [--dry-run] --user NAME`: add services to people's care plans from CSV or XLSX,
all or nothing; each rejected row is listed with its column and reason."""

from __future__ import annotations

from pathlib import Path

from jointcare.accounts.access import command_actor
from jointcare.cli import DataCommand, import_file
from jointcare.grammar import plural
from jointcare.packages import imports


class Command(DataCommand):
    help = "Import care plan services from a CSV or XLSX file (all or nothing); --dry-run checks every row only."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--user", help="the user this is done as: each row's person must be on their caseload")

    def handle(self, *args, **options):
        actor = command_actor(options["user"], "packages.import")
        result = import_file(
            self, options["file"], lambda name, stream: imports.import_services(actor, name, stream, dry_run=options["dry_run"])
        )
        if result.dry_run:
            self.stdout.write(f"{plural(result.rows, 'row')} checked: all can be imported (dry run, nothing imported)")
        else:
            self.stdout.write(f"Imported {plural(result.added, 'service')} from {Path(options['file']).name}")
