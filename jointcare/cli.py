"""The `jointcare` command: Django's management commands with the project's own on top.

    jointcare serve [ADDR:PORT]     run the web server (default 127.0.0.1:8000): gunicorn in production
    jointcare migrate               create or update the database
    jointcare load-reference        load the shipped reference data (idempotent)
    jointcare load-population FILE  optional LSOA populations to weight coterminosity
    jointcare population import FILE  populations by area and age band (area_code,age_band,population)
    jointcare cld import FILE [--dry-run]   Client Level Data (CSV/XLSX), all or nothing; cld import-hospital, list
    jointcare demo                  build the synthetic demo partnership
    jointcare coterminosity --level {pct,ccg,icb}
    jointcare createuser USERNAME --role ROLE [...]
    jointcare token create --user NAME | list | revoke ID
    jointcare pool ... / jointcare ledger check
    jointcare import-people FILE [--dry-run] --user NAME   a caseload of people (CSV or XLSX), all or nothing
    jointcare backup FILE / jointcare restore FILE [--force]
    jointcare help                  every command
"""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand


class DataCommand(BaseCommand):
    """A `jointcare` command that reads or writes data. It starts without Django's system checks, which load every
    page and API schema (over a second at each start); `jointcare check`, `migrate` and `serve` run them."""

    requires_system_checks: list = []


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcare.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reads the settings, which refuse a bad configuration
    except ImproperlyConfigured as exc:
        sys.exit(f"jointcare: {exc}")
    execute_from_command_line(["jointcare", args[0].replace("-", "_"), *args[1:]])


if __name__ == "__main__":
    main()


def import_file(command, file: str, load):
    """Run `load(name, stream)` on the file named on a command line, writing each refused row (row, field,
    reason) to stderr and failing the command with the refusal's message; returns what `load` returned."""
    from pathlib import Path

    from django.core.management.base import CommandError

    from jointcare.errors import ServiceError

    path = Path(file)
    if not path.is_file():
        raise CommandError(f"no file at {path}")
    try:
        with path.open("rb") as stream:
            return load(path.name, stream)
    except ServiceError as exc:
        for e in exc.errors:
            where = f"row {e['row']}" if e.get("row") else "file"
            command.stderr.write(f"{where}, {e.get('field') or '-'}: {e['message']}")
        raise CommandError(exc.message) from None
