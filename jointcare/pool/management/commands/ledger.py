"""`jointcare ledger check`: recompute every balance from the postings; exit non-zero on any broken invariant."""

import sys
import time

from django.core.management.base import BaseCommand

from jointcare.pool import reports
from jointcare.pool.models import Posting


class Command(BaseCommand):
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
        n = (
            Posting.objects.count()
            if pool is None
            else Posting.objects.filter(transaction__pool=pool).count()
        )
        self.stdout.write(
            f"Ledger OK: {n:,} postings, every transaction balanced, every balance agrees ({elapsed:.1f} s)"
        )
