"""`jointcare import-people FILE [--dry-run] --user NAME`: add a caseload of people from CSV or XLSX, all or
nothing; each rejected row is listed with its column and reason."""

from __future__ import annotations

from pathlib import Path

from jointcare.accounts.access import command_actor
from jointcare.cli import DataCommand, import_file
from jointcare.people import imports


class Command(DataCommand):
    help = "Import people from a CSV or XLSX file (all or nothing); --dry-run checks every row and imports nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--user", help="the user this is done as: their roles are checked (needed to import)")

    def handle(self, *args, **options):
        actor = command_actor(options["user"], "person.create", required=not options["dry_run"])
        result = import_file(
            self, options["file"], lambda name, stream: imports.import_people(actor, name, stream, dry_run=options["dry_run"])
        )
        if result.dry_run:
            self.stdout.write(f"{result.rows} rows checked: all can be imported (dry run, nothing imported)")
        else:
            self.stdout.write(f"Imported {result.created} people from {Path(options['file']).name}")
