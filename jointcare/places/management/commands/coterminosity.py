"""jointcare coterminosity --level {pct,ccg,stp,sub-icb,icb} [--threshold 0.95] [--format table|csv|json]"""

import io
import json

from django.core.management.base import CommandError
from rich.console import Console
from rich.table import Table

from jointcare import exports
from jointcare.cli import DataCommand
from jointcare.errors import ServiceError
from jointcare.places import domain
from jointcare.places import report as reports


class Command(DataCommand):
    help = (
        "How NHS bodies fit the councils with social services: PCTs (2013), CCGs and STPs (April 2020) against the 2019 "
        "councils; Sub-ICB locations and ICBs (today's) against today's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--level", required=True, choices=domain.LEVELS)
        parser.add_argument("--threshold", default=str(domain.DEFAULT_THRESHOLD), help="0 < threshold <= 1 (default 0.95)")
        parser.add_argument("--format", default="table", choices=["table", "csv", "json"])
        parser.add_argument("--councils", action="store_true", help="One row per council instead of per NHS body")

    def handle(self, *args, **options):
        try:
            report = reports.coterminosity_report(options["level"], options["threshold"])
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        if not report["bodies"]:
            raise CommandError("No reference data: run `jointcare load-reference` first")
        fmt = options["format"]
        out = self.stdout
        if options["councils"]:
            rows = reports.rounded_councils(report)
            if fmt == "json":
                out.write(json.dumps(rows, indent=2))
                return
            if fmt == "csv":
                exports.write_csv(
                    out,
                    ["council_code", "council_name", "body_code", "body_ods_code", "body_name", "share_of_council", "share_of_body"],
                    ([c["code"], c["name"], b["code"], b["ods_code"], b["name"], b["share"], b["body_share"]] for c in rows for b in c["bodies"]),
                )
                return
            table = Table(title=f"Councils and the {reports.SHORT_PLURAL[options['level']]} overlapping them")
            for col in ("Council", "Code", "Bodies", "Overlapping (share of council)"):
                table.add_column(col)
            for c in rows:
                table.add_row(c["name"], c["code"], str(len(c["bodies"])),
                              ", ".join(f"{b['name']} {b['share']:.1%}" for b in c["bodies"]))
            self._print(table)
            return
        rows = reports.rounded_bodies(report)
        if fmt == "json":
            out.write(json.dumps(rows, indent=2))
        elif fmt == "csv":
            exports.write_csv(
                out,
                ["code", "ods_code", "name", "council_code", "council_name", "share", "council_share", "largest_share", "coterminous"],
                ([b["code"], b["ods_code"], b["name"], c["code"], c["name"], c["share"], c["council_share"],
                  b["largest_share"], "yes" if b["coterminous"] else "no"] for b in rows for c in b["councils"]),
            )
        else:
            s = report["summary"]
            table = Table(title=f"Coterminosity of {report['label']} with the councils of "
                                f"{report['vintage']['councils']}, threshold {report['threshold']:g}, "
                                f"weighted by {report['weighting'].replace('_', ' ')}")
            for col in ("Code", "ODS", "Name", "Councils", "Largest share", "Coterminous", "Overlapping councils (share of body)"):
                table.add_column(col)
            for b in rows:
                table.add_row(b["code"], b["ods_code"], b["name"], str(len(b["councils"])), f"{b['largest_share']:.1%}",
                              "yes" if b["coterminous"] else "no",
                              ", ".join(f"{c['name']} {c['share']:.1%}" for c in b["councils"]))
            self._print(table, f"{s['bodies']} bodies; {s['several_councils']} span several councils; {s['coterminous']} coterminous.")

    def _print(self, *renderables):
        buf = io.StringIO()
        console = Console(file=buf, width=200, force_terminal=self.stdout.isatty())
        for r in renderables:
            console.print(r)
        self.stdout.write(buf.getvalue(), ending="")
