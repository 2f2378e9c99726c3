"""`jointcare import-services FILE [--dry-run] --user NAME`: add services to people's care plans from CSV or XLSX,
all or nothing; each rejected row is listed with its column and reason."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jointcare.accounts.access import command_actor
from jointcare.errors import ServiceError
from jointcare.grammar import plural
from jointcare.packages import imports


class Command(BaseCommand):
    help = "Import care plan services from a CSV or XLSX file (all or nothing); --dry-run checks every row only."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--user", help="the user this is done as: each row's person must be on their caseload")

    def handle(self, *args, **options):
        actor = command_actor(options["user"], "packages.import")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file at {path}")
        try:
            with path.open("rb") as stream:
                result = imports.import_services(actor, path.name, stream, dry_run=options["dry_run"])
        except ServiceError as exc:
            for e in exc.errors:
                where = f"row {e['row']}" if e.get("row") else "file"
                self.stderr.write(f"{where}, {e.get('field') or '-'}: {e['message']}")
            raise CommandError(exc.message) from None
        if result.dry_run:
            self.stdout.write(f"{plural(result.rows, 'row')} checked: all can be imported (dry run, nothing imported)")
        else:
            self.stdout.write(f"Imported {plural(result.added, 'service')} from {path.name}")
