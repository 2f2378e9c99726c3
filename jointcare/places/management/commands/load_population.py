"""jointcare load-population FILE: optional LSOA populations (CSV: lsoa_code,population) for weighting."""

from pathlib import Path

from django.core.management.base import CommandError

from jointcare.cli import DataCommand
from jointcare.errors import ServiceError
from jointcare.places import services


class Command(DataCommand):
    help = "Load LSOA populations from a CSV file (lsoa_code,population); coterminosity then weights by population."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: lsoa_code,population (header optional)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = services.load_population(None, path.read_text(encoding="utf-8-sig"))
        except ServiceError as exc:
            lines = [f"row {e.get('row', '-')}, {e.get('field')}: {e['message']}" for e in exc.errors[:20]]
            raise CommandError(exc.message + ("\n" + "\n".join(lines) if len(exc.errors) > 1 else "")) from None
        self.stdout.write(f"Populations loaded for {result['rows']} LSOAs ({result['changed']} changed).")
        if not result["complete"]:
            self.stdout.write("Some LSOAs have no population, so coterminosity still weights every LSOA equally.")
