"""`jointcare ledger check`: recompute every balance from the postings; exit non-zero on any broken invariant."""

import sys
import time

from django.db.models import Sum

from jointcare.cli import DataCommand
from jointcare.pool import reports
from jointcare.pool.models import MonthlyBalance


class Command(DataCommand):
    help = "Ledger checks: `check` recomputes balances from postings and checks every transaction balances."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Check every invariant; exit status 1 if any is broken")
        check.add_argument("--pool", help="only this pool (id, year or name)")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        pool = None
        if opts.get("pool"):
            from jointcare.pool.management.commands.pool import find_pool

            pool = find_pool(opts["pool"])
        problems = reports.ledger_check(pool)
        elapsed = time.perf_counter() - started
        if problems:
            for p in problems:
                self.stderr.write(f"BROKEN: {p}")
            self.stderr.write(f"{len(problems)} problem(s) found in {elapsed:.1f} s")
            sys.exit(1)
        # the check found every stored monthly balance equal to its postings, so their counts add up to the
        # number of postings without reading the postings a third time
        balances = MonthlyBalance.objects.all() if pool is None else MonthlyBalance.objects.filter(account__pool=pool)
        n = balances.aggregate(n=Sum("postings"))["n"] or 0
        self.stdout.write(
            f"Ledger OK: {n:,} postings, every transaction balanced, every balance agrees ({elapsed:.1f} s)"
        )
