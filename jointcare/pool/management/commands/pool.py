"""`jointcare pool ...`: create from an agreement file, import actuals, report, close months, settle, reopen."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from jointcare import exports
from jointcare.accounts.access import command_actor
from jointcare.cli import DataCommand
from jointcare.errors import ServiceError
from jointcare.money import format_pence
from jointcare.pool import agreement_file, imports, queries, services
from jointcare.pool.models import Pool

REPORTS = queries.REPORT_KINDS


def find_pool(ref: str | None) -> Pool:
    """A pool by id, by financial year ('2026-27') or by name; with no reference, the only pool there is."""
    pools = Pool.objects.select_related("agreement")
    if ref is None:
        candidates = list(pools[:2])
        if len(candidates) == 1:
            return candidates[0]
        raise CommandError("there is more than one pool (or none): say which with --pool ID " + _list(pools))
    if str(ref).isdigit():
        found = pools.filter(pk=int(ref)).first()
        if found:
            return found
    from jointcare.pool.domain import parse_financial_year

    try:
        matches = list(pools.filter(financial_year=parse_financial_year(ref)))
    except ValueError:
        matches = list(pools.filter(name__icontains=ref))
    if len(matches) == 1:
        return matches[0]
    raise CommandError(f"'{ref}' does not name exactly one pool: " + _list(pools))


def _list(pools) -> str:
    return "; ".join(f"{p.pk}: {p} ({p.agreement})" for p in pools[:20]) or "(no pools yet)"


class Command(DataCommand):
    help = "Pooled budgets: create, export, import-actuals, report, close-period, settle, reopen, list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a pool from an agreement file (YAML)")
        create.add_argument("--from", dest="file", required=True)
        create.add_argument("--user", help="the user this is done as: their roles and partnership are checked (needed to write)")
        export = sub.add_parser("export", help="Print a pool as an agreement file (YAML)")
        export.add_argument("pool")
        sub.add_parser("list", help="List pools")
        imp = sub.add_parser("import-actuals", help="Import actual spend from CSV or XLSX (all or nothing)")
        imp.add_argument("file")
        imp.add_argument("--pool", help="pool id, financial year or name (needed when there are several)")
        imp.add_argument("--dry-run", action="store_true")
        imp.add_argument("--user", help="the user this is done as: their roles and partnership are checked (needed to write)")
        rep = sub.add_parser(
            "report", help="monitoring, statement, quarterly or year-end, as a table, CSV or XLSX"
        )
        rep.add_argument("kind", choices=REPORTS)
        rep.add_argument("--pool")
        rep.add_argument("--format", choices=("table", "csv", "xlsx", "json"), default="table")
        rep.add_argument("--output", help="file to write (needed for xlsx)")
        close = sub.add_parser(
            "close-period", help="Close a month once it has ended, in order (1 = April .. 11 = February)"
        )
        close.add_argument("period", type=int)
        close.add_argument("--pool")
        close.add_argument("--user", help="the user this is done as: their roles and partnership are checked (needed to write)")
        settle = sub.add_parser(
            "settle", help="Settle the year-end risk share (closes March and locks the pool); --dry-run to preview"
        )
        settle.add_argument("pool")
        settle.add_argument("--dry-run", action="store_true")
        settle.add_argument("--format", choices=("text", "json"), default="text")
        settle.add_argument("--user", help="the user this is done as: their roles and partnership are checked (needed to write)")
        reopen = sub.add_parser(
            "reopen", help="Reopen a settled pool for late invoices: reverses the settlement and opens March"
        )
        reopen.add_argument("pool")
        reopen.add_argument("--reason", required=True, help="why, e.g. the late invoices (kept in the audit)")
        reopen.add_argument("--user", help="the user this is done as: their roles and partnership are checked (needed to write)")

    def handle(self, *args, **opts):
        try:
            getattr(self, "do_" + opts["action"].replace("-", "_"))(opts)
        except ServiceError as exc:
            for e in exc.errors:
                where = ", ".join(f"{k} {e[k]}" for k in ("row", "field") if e.get(k) is not None)
                self.stderr.write(f"  {where}: {e['message']}" if where else f"  {e['message']}")
            raise CommandError(exc.message) from exc

    def do_create(self, opts):
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"--from: {path} does not exist")
        spec = agreement_file.parse(agreement_file.load(path.read_text(encoding="utf-8")))
        actor = command_actor(opts.get("user"), "pool.create", spec.agreement)  # a party to the agreement it names
        pool = services.create_pool(actor, spec)
        self.stdout.write(f"Created pool {pool.pk}: {pool} with {pool.schemes.count()} schemes")

    def do_export(self, opts):
        self.stdout.write(agreement_file.export(find_pool(opts["pool"])))

    def do_list(self, opts):
        for p in Pool.objects.select_related("agreement", "host"):
            self.stdout.write(f"{p.pk}\t{p.year_label}\t{p.name}\t{p.agreement}\thost {p.host}\t{p.status_label}")

    def do_import_actuals(self, opts):
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        pool = find_pool(opts.get("pool"))
        actor = command_actor(opts.get("user"), "pool.post", pool, required=not opts["dry_run"])
        with path.open("rb") as f:  # read as a stream: the file is never held in memory whole
            result = imports.import_actuals(actor, pool, path.name, f, dry_run=opts["dry_run"])
        self.stdout.write(("Dry run: " if opts["dry_run"] else "") + imports.describe(result))

    def do_report(self, opts):
        pool = find_pool(opts.get("pool"))
        kind = opts["kind"]
        sheet = queries.report_sheet(pool, kind)
        fmt = opts["format"]
        if fmt == "xlsx":
            if not opts.get("output"):
                raise CommandError("--format xlsx needs --output FILE")
            Path(opts["output"]).write_bytes(exports.to_xlsx(sheet))
            self.stdout.write(f"Wrote {opts['output']}")
            return
        if fmt == "csv":
            data = exports.to_csv(sheet)
            if opts.get("output"):
                Path(opts["output"]).write_bytes(data)
            else:
                self.stdout.write(data.decode("utf-8-sig"))
            return
        if fmt == "json":
            self.stdout.write(json.dumps([dict(zip(sheet.headers, r, strict=True)) for r in sheet.rows], indent=2))
            return
        money = [h in sheet.money for h in sheet.headers]
        self.stdout.write("\t".join(sheet.headers))
        for r in sheet.rows:
            self.stdout.write(
                "\t".join(
                    format_pence(v) if m and isinstance(v, int) else str(v)
                    for v, m in zip(r, money, strict=True)
                )
            )

    def do_reopen(self, opts):
        pool = find_pool(opts["pool"])
        actor = command_actor(opts.get("user"), "pool.reopen", pool)
        pool = services.reopen_pool(actor, pool, opts["reason"])
        self.stdout.write(f"Reopened {pool}: the settlement is reversed and March is open for late invoices")

    def do_close_period(self, opts):
        pool = find_pool(opts.get("pool"))
        actor = command_actor(opts.get("user"), "pool.close", pool)
        period = services.close_period(actor, pool, opts["period"])
        self.stdout.write(f"Closed {period.label}")

    def do_settle(self, opts):
        pool = find_pool(opts["pool"])
        actor = command_actor(opts.get("user"), "pool.settle", pool, required=not opts["dry_run"])
        outcome = services.settle_pool(actor, pool, dry_run=opts["dry_run"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps(outcome, indent=2))
            return
        self.stdout.write(
            ("DRY RUN: nothing posted\n" if opts["dry_run"] else "") + f"Risk share for {outcome['pool']}"
        )
        if outcome["provisional"]:
            basis = "the forecast outturn" if outcome["basis"] == "forecast" else "the actuals to date"
            still_open = f"; still open: {', '.join(outcome['open_months'])}" if outcome["open_months"] else ""
            self.stdout.write(f"  PROVISIONAL: on {basis}, not yet settleable{still_open}")
        for line in outcome["lines"]:
            self.stdout.write(f"  {line['text']}")
        self.stdout.write("Partner statements:")
        for s in outcome["statements"]:
            self.stdout.write(
                f"  {s['partner']}: money in {format_pence(s['money_in_pence'])}, money spent "
                f"{format_pence(s['money_spent_pence'])}, share of variance {format_pence(s['share_of_variance_pence'])}"
                f", balance due {format_pence(s['balance_due_pence'])}"
            )
