"""`jointcare cld ...`: import Client Level Data or hospital activity (all or nothing), list submissions."""

from datetime import date
from pathlib import Path

from django.core.management.base import CommandError

from jointcare import exports
from jointcare.accounts.access import command_actor
from jointcare.cld import services
from jointcare.cld.models import HospitalImport, Submission
from jointcare.cli import DataCommand
from jointcare.errors import ServiceError


def describe(outcome, dry_run: bool) -> str:
    subs = outcome.submissions
    lines = []
    if outcome.ok:
        verb = "would load" if dry_run else "loaded"
        lines.append(f"{outcome.file_name}: {outcome.rows:,} rows, {verb} {len(subs)} submission{'s' if len(subs) != 1 else ''}.")
    else:
        lines.append(f"{outcome.file_name}: {outcome.error_count:,} problem{'s' if outcome.error_count != 1 else ''}; "
                     "nothing loaded (a file loads whole or not at all).")
    for s in subs:
        lines.append(f"  {s.la_code} {s.start:%Y-%m-%d} to {s.end:%Y-%m-%d}: {s.rows:,} rows"
                     + (f", {s.errors:,} problems" if s.errors else "")
                     + (f", {s.release_1_values:,} Release 1 values mapped" if s.release_1_values else ""))
    report = outcome.report(50)
    if report:
        lines.append("row\tfield\treason")
        lines += [f"{r['row'] if r['row'] is not None else '-'}\t{r['field']}\t{r['reason']}" for r in report]
        if outcome.error_count > len(report):
            lines.append(f"... and {outcome.error_count - len(report):,} more")
    return "\n".join(lines)


class Command(DataCommand):
    help = "Client Level Data: import (CSV or XLSX, several councils' submissions per file), import-hospital, list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a CLD file (Release 2 or Release 1 columns), all or nothing")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check only: report every problem, load nothing")
        imp.add_argument("--user", help="the user this is done as (their roles are checked)")
        hosp = sub.add_parser("import-hospital", help="Import hospital activity (CSV or XLSX), all or nothing")
        hosp.add_argument("file")
        hosp.add_argument("--dry-run", action="store_true")
        hosp.add_argument("--user", help="the user this is done as (their roles are checked)")
        sub.add_parser("list", help="List submissions and hospital activity files")
        exp = sub.add_parser("export", help="Write a council's rolling 12-month CLD submission from jointcare's records")
        exp.add_argument("--council", required=True, help="GSS code of the responsible council, e.g. E08000009")
        exp.add_argument("--period-end", required=True, help="last day of the 12 months, YYYY-MM-DD")
        exp.add_argument("--report", help="also write the data-quality report (row, field, reason) to this CSV")
        exp.add_argument("--user", help="the user this is done as (their roles are checked)")
        exp.add_argument("file")

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "list":
            for s in Submission.objects.all():
                self.stdout.write(f"{s.pk}\t{s.la_code}\t{s.reporting_period_start}\t{s.reporting_period_end}\t"
                                  f"{s.status}\t{s.row_count}\t{s.error_count}\t{s.received_at:%Y-%m-%d %H:%M}\t{s.file_name}")
            for h in HospitalImport.objects.all():
                self.stdout.write(f"hospital {h.pk}\t{h.status}\t{h.row_count}\t{h.error_count}\t{h.file_name}")
            return
        if action == "export":
            return self.export(opts)
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = command_actor(opts.get("user"), "cld.import", required=False)
        run = services.import_cld if action == "import" else services.import_hospital
        try:
            outcome = run(actor, path, path.name, dry_run=opts["dry_run"])
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        text = describe(outcome, opts["dry_run"])
        if not outcome.ok:
            raise CommandError(text)
        self.stdout.write(("Dry run: nothing loaded.\n" if opts["dry_run"] else "") + text)

    def export(self, opts):
        try:
            period_end = date.fromisoformat(opts["period_end"])
        except ValueError:
            raise CommandError("--period-end must be a date, YYYY-MM-DD, e.g. 2026-03-31") from None
        path = Path(opts["file"])
        if not path.parent.is_dir():
            raise CommandError(f"No such directory: {path.parent}")
        actor = command_actor(opts.get("user"), "cld.import", required=False)  # analysts, who load and check returns
        try:
            result = services.export_cld(actor, opts["council"], period_end, path)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        outcome = result.outcome
        problems = outcome.report()
        self.stdout.write(
            f"{path}: {result.council} {result.period_start:%Y-%m-%d} to {result.period_end:%Y-%m-%d}, "
            f"{result.rows:,} rows; "
            + (f"{outcome.error_count:,} data-quality problems." if problems else "no data-quality problems.")
        )
        if problems:
            self.stdout.write("row\tfield\treason")
            for r in problems[:50]:
                self.stdout.write(f"{r['row'] if r['row'] is not None else '-'}\t{r['field']}\t{r['reason']}")
            if len(problems) > 50:
                self.stdout.write(f"... and {len(problems) - 50:,} more" + ("" if opts.get("report") else " (see --report)"))
        if opts.get("report"):
            with Path(opts["report"]).open("w", encoding="utf-8", newline="") as out:
                exports.write_csv(out, ["row", "field", "reason"], ([r["row"], r["field"], r["reason"]] for r in problems))
