"""`jointcare population import FILE`: populations by area and age band (the per-100,000 denominators), or LSOA
populations (`lsoa_code,population`, as `load-population` takes) to weight coterminosity."""

from pathlib import Path

from django.core.management.base import CommandError

from jointcare.accounts.access import command_actor
from jointcare.cld import services
from jointcare.cli import DataCommand
from jointcare.errors import ServiceError


class Command(DataCommand):
    help = "Import populations: area_code,age_band,population (age bands '18 to 64', '65 and above'), or lsoa_code,population."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a CSV of populations (all or nothing)")
        imp.add_argument("file")
        imp.add_argument("--user", help="the user this is done as (their roles are checked)")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > 50_000_000:
            raise CommandError("The file is larger than 50 MB; a population file is a few thousand rows")
        actor = command_actor(opts.get("user"), "cld.import", required=False)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError("The file is not UTF-8 text") from None
        try:
            result = services.import_population(actor, text)
        except ServiceError as exc:
            lines = [f"row {e.get('row', '-')}, {e.get('field')}: {e['message']}" for e in exc.errors[:20]]
            raise CommandError(exc.message + ("\n" + "\n".join(lines) if len(exc.errors) > 1 else "")) from None
        self.stdout.write(f"Populations loaded: {result.rows} {result.kind} rows ({result.changed} new or changed).")
