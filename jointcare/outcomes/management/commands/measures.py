"""jointcare measures compute --period 2025-26 [--area GSS|all] [--format table|csv|json] [--engine duckdb|spark]"""

from __future__ import annotations

import io
import json

from django.core.management.base import CommandError

from jointcare.cli import DataCommand
from jointcare.exports import write_csv
from jointcare.outcomes import compute, domain


class Command(DataCommand):
    help = "Compute the outcome measures (ASCOF, SALT short-term, Better Care Fund) from the loaded Client Level Data."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("compute", help="every measure for a period, for one council or all together")
        run.add_argument("--period", required=True, help="financial year, like 2025-26")
        run.add_argument("--area", default=domain.ALL, help="a council's GSS code, or 'all' (the default)")
        run.add_argument("--format", choices=("table", "csv", "json"), default="table")
        run.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")

    def handle(self, *args, **options):
        try:
            period = domain.parse_period(options["period"])
            area = domain.check_area(options["area"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            rows = compute.compute(period, options["engine"]).rows(area)
        except compute.NoData as exc:
            raise CommandError(str(exc)) from None
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(domain.as_json(period.label, rows)))
        elif fmt == "csv":
            out = io.StringIO()
            write_csv(out, CSV_HEADERS, [csv_row(period.label, r) for r in rows])
            self.stdout.write(out.getvalue(), ending="")
        else:
            self.stdout.write(table(period.label, rows))


CSV_HEADERS = ("period", "code", "name", "area", "numerator", "denominator", "value", "unit")


def csv_row(period: str, r: domain.Row) -> list:
    f = r.figure
    return [period, r.measure.code, r.name, f.area, f.numerator, f.denominator,
            "" if f.value is None else str(f.value), r.measure.unit]


def table(period: str, rows: list[domain.Row]) -> str:
    lines = [f"Measures for {period}", ""]
    head = ("Code", "Area", "Numerator", "Denominator", "Value", "Unit", "Name")
    body = [(r.measure.code, r.figure.area, str(r.figure.numerator), str(r.figure.denominator),
             "-" if r.figure.value is None else str(r.figure.value), r.measure.unit, r.name) for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head) - 1)]
    for line in [head, *body]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)) + "  " + line[-1])
    return "\n".join(lines) + "\n"
