"""jointcare restore FILE [--force]: restore a backup into an empty database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError

from jointcare.cli import DataCommand
from jointcare.operations import backup


class Command(DataCommand):
    help = (
        "Restore a backup made by `jointcare backup` into the database, which must be empty (create a new "
        "one, or pass --force to replace everything in it). Stop the web server first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="replace everything in a database that is not empty")

    def handle(self, *args, file: Path, force: bool, **options):
        try:
            backup.restore(file, force=force)
            tables = backup.table_names()
        except (backup.BackupError, DatabaseError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {file}: {len(tables)} tables. Run `jointcare ledger check` to confirm the ledger.")
