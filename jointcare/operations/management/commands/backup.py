"""jointcare backup FILE: a consistent copy of the whole database while the service runs."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.db import DatabaseError

from jointcare.cli import DataCommand
from jointcare.operations import backup


class Command(DataCommand):
    help = (
        "Write a backup of the whole database to FILE: SQLite's online backup, or pg_dump's custom format for "
        "PostgreSQL. Restore it with `jointcare restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="replace FILE if it exists")

    def handle(self, *args, file: Path, force: bool, **options):
        try:
            backup.backup(file, replace=force)
        except (backup.BackupError, DatabaseError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up the database to {file} ({file.stat().st_size:,} bytes)")
