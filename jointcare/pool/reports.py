"""Read-only views of a pool: budget monitoring, partner statements, quarterly and year-end reports, the
ledger check, and CSV/XLSX export. Aggregation happens in the database (GROUP BY over the monthly balance
summary or the postings), never by looping over postings in Python.

Forecast outturn (see domain.forecast_by_month): actuals for months up to the reporting month; for each later
month the commitments where there are any, else the run rate (average monthly actuals to date). The reporting
month is the later of the last closed period and the last complete month before today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from jointcare.money import format_pence, split_largest_remainder
from jointcare.pool import domain, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import (
    Account,
    Commitment,
    LedgerTransaction,
    MonthlyBalance,
    Period,
    Pool,
    Posting,
    Settlement,
)

MONTH_NAMES = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


def month_labels(financial_year: int) -> list[str]:
    """'Apr 2026' .. 'Mar 2027': the twelve months of a financial year, each with its year."""
    return [m.strftime("%b %Y") for m in domain.period_months(financial_year)]


def reporting_month(pool: Pool, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    start, end = domain.financial_year_bounds(pool.financial_year)
    if today > end:
        complete = 12
    elif today < start:
        complete = 0
    else:
        complete = domain.period_number(pool.financial_year, today) - 1
    closed = (
        pool.periods.filter(closed=True).order_by("-number").values_list("number", flat=True).first() or 0
    )
    return max(complete, closed)


@dataclass
class Line:
    key: str
    name: str
    lead: str
    budget: list[int]
    commitments: list[int]
    actuals: list[int]
    forecast: list[int]

    @property
    def totals(self) -> dict:
        budget, forecast = sum(self.budget), sum(self.forecast)
        return {
            "budget": budget,
            "commitments": sum(self.commitments),
            "actuals": sum(self.actuals),
            "forecast": forecast,
            "variance": forecast - budget,
            "rag": domain.rag_status(budget, forecast).value,
        }

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "lead": self.lead,
            **{f"{k}_pence" if k != "rag" else k: v for k, v in self.totals.items()},
            "months": [
                {
                    "month": MONTH_NAMES[i],
                    "budget_pence": self.budget[i],
                    "commitments_pence": self.commitments[i],
                    "actuals_pence": self.actuals[i],
                    "forecast_pence": self.forecast[i],
                }
                for i in range(12)
            ],
        }


def _twelve() -> list[int]:
    return [0] * 12


def monitoring(pool: Pool, through: int | None = None) -> dict:
    """Budget, commitments, actuals, forecast outturn, variance and RAG per scheme and partner by month."""
    through = reporting_month(pool) if through is None else through
    actual = defaultdict(_twelve)
    for scheme_id, number, total in (
        MonthlyBalance.objects.filter(account__pool=pool, account__kind=AccountKind.SPEND)
        .values("account__scheme_id", "period__number")
        .annotate(total=Sum("amount_pence"))
        .values_list("account__scheme_id", "period__number", "total")
    ):
        actual[scheme_id][number - 1] = total or 0
    committed = defaultdict(_twelve)
    for scheme_id, number, total in (
        Commitment.objects.filter(pool=pool)
        .values("scheme_id", "period__number")
        .annotate(total=Sum("amount_pence"))
        .values_list("scheme_id", "period__number", "total")
    ):
        committed[scheme_id][number - 1] = total or 0
    schemes = list(pool.schemes.select_related("lead").prefetch_related("funders__partner"))
    lines = []
    for s in schemes:
        a, c = actual[s.pk], committed[s.pk]
        lines.append(
            Line(
                s.code,
                s.name,
                s.lead.name,
                domain.phase_budget(s.budget_pence),
                c,
                a,
                domain.forecast_by_month(a, c, through),
            )
        )
    # partners: each scheme's figures split by its funders' shares (the lead funds it all if none are given)
    names = services.partner_names(pool)
    partner_lines: dict[int, Line] = {
        pid: Line(str(pid), name, "", _twelve(), _twelve(), _twelve(), _twelve())
        for pid, name in names.items()
    }
    for s, line in zip(schemes, lines, strict=True):
        funders = [(f.partner_id, f.share_basis_points) for f in s.funders.all()] or [(s.lead_id, 1)]
        for pid, _ in funders:
            partner_lines.setdefault(
                pid, Line(str(pid), str(pid), "", _twelve(), _twelve(), _twelve(), _twelve())
            )
        weights = [w for _, w in funders]
        for attr in ("budget", "commitments", "actuals", "forecast"):
            values = getattr(line, attr)
            for m in range(12):
                if values[m]:
                    for (pid, _), part in zip(
                        funders, split_largest_remainder(values[m], weights), strict=True
                    ):
                        getattr(partner_lines[pid], attr)[m] += part
    total = Line("total", "All schemes", "", _twelve(), _twelve(), _twelve(), _twelve())
    for line in lines:
        for attr in ("budget", "commitments", "actuals", "forecast"):
            for m in range(12):
                getattr(total, attr)[m] += getattr(line, attr)[m]
    return {
        "pool": pool,
        "through": through,
        "through_label": MONTH_NAMES[through - 1] if through else "none",
        "schemes": lines,
        "partners": list(partner_lines.values()),
        "total": total,
    }


def monitoring_table(data: dict) -> tuple[list[str], list[list]]:
    headers = ["Level", "Name", "Month", "Budget", "Commitments", "Actuals", "Forecast", "Variance", "RAG"]
    months = month_labels(data["pool"].financial_year)
    rows = []
    for level, items in (
        ("scheme", data["schemes"]),
        ("partner", data["partners"]),
        ("pool", [data["total"]]),
    ):
        for line in items:
            for m in range(12):
                rows.append(
                    [
                        level,
                        line.name,
                        months[m],
                        line.budget[m],
                        line.commitments[m],
                        line.actuals[m],
                        line.forecast[m],
                        line.forecast[m] - line.budget[m],
                        "",
                    ]
                )
            t = line.totals
            rows.append(
                [
                    level,
                    line.name,
                    "Year",
                    t["budget"],
                    t["commitments"],
                    t["actuals"],
                    t["forecast"],
                    t["variance"],
                    t["rag"],
                ]
            )
    return headers, rows


# ----------------------------------------------------------------------------------------- reports


def partner_statements(pool: Pool) -> dict:
    """As settled, if settled; otherwise a projection from the actuals to date."""
    settled = Settlement.objects.filter(pool=pool).first()
    if settled:
        return {"settled": True, "statements": settled.statements, "lines": settled.result["lines"]}
    result = services.compute_risk_share(pool)
    return {
        "settled": False,
        "statements": services.partner_statements(pool, result),
        "lines": [line.as_dict() for line in result.lines],
    }


def statement_table(data: dict) -> tuple[list[str], list[list]]:
    headers = ["Partner", "Contribution due", "Money in", "Money spent", "Share of variance", "Balance due"]
    rows = [
        [
            s["partner"],
            s["contribution_due_pence"],
            s["money_in_pence"],
            s["money_spent_pence"],
            s["share_of_variance_pence"],
            s["balance_due_pence"],
        ]
        for s in data["statements"]
    ]
    return headers, rows


def quarterly(pool: Pool, through: int | None = None) -> tuple[list[str], list[list]]:
    data = monitoring(pool, through)
    headers = ["Scheme", "Quarter", "Budget", "Commitments", "Actuals", "Forecast", "Variance"]
    months = month_labels(pool.financial_year)
    rows = []
    for line in [*data["schemes"], data["total"]]:
        for q in range(4):
            sl = slice(q * 3, q * 3 + 3)
            b, c, a, f = (sum(getattr(line, x)[sl]) for x in ("budget", "commitments", "actuals", "forecast"))
            rows.append([line.name, f"Q{q + 1} ({months[q * 3]} to {months[q * 3 + 2]})", b, c, a, f, f - b])
    return headers, rows


def year_end_by_source(pool: Pool) -> tuple[list[str], list[list]]:
    """Per funding source (partner and contribution type/form): amount, and its share of scheme budgets and
    of actual spend by the schemes' funder shares."""
    headers = [
        "Partner",
        "Type",
        "Form",
        "Contribution",
        "Received",
        "Share of budgets",
        "Share of actual spend",
    ]
    received = dict(
        MonthlyBalance.objects.filter(account__pool=pool, account__kind=AccountKind.CONTRIBUTION)
        .values("account__partner_id")
        .annotate(t=Sum("amount_pence"))
        .values_list("account__partner_id", "t")
    )
    spent = services.outturn(pool)
    budget_share: dict[int, int] = defaultdict(int)
    spend_share: dict[int, int] = defaultdict(int)
    for s in pool.schemes.prefetch_related("funders"):
        funders = [(f.partner_id, f.share_basis_points) for f in s.funders.all()] or [(s.lead_id, 1)]
        w = [x for _, x in funders]
        for (pid, _), part in zip(funders, split_largest_remainder(s.budget_pence, w), strict=True):
            budget_share[pid] += part
        for (pid, _), part in zip(funders, split_largest_remainder(spent.get(s.pk, 0), w), strict=True):
            spend_share[pid] += part
    rows = []
    for c in pool.contributions.select_related("partner").order_by("partner__name", "type", "form"):
        rows.append(
            [
                c.partner.name,
                c.type,
                c.form,
                c.amount_pence,
                -(received.get(c.partner_id) or 0) if c.form == "cash" else c.amount_pence,
                budget_share[c.partner_id],
                spend_share[c.partner_id],
            ]
        )
    return headers, rows


# ----------------------------------------------------------------------------------------- ledger check


def ledger_check(pool: Pool | None = None) -> list[str]:
    """Recompute every balance from the postings and check every invariant. Returns the problems found.

    Four scans, each one aggregate query in the database: postings grouped by transaction (balanced, two or
    more); postings grouped by account and month against the stored monthly balances (and no zero amounts);
    postings joined to their transaction and account (same month, same pool); transactions joined to their
    pool and month (the month is the pool's, not posted after it closed). Then the few reversals (the reversed
    transaction exists, in the same pool). The ledger's keys have no foreign-key constraints (decision 0035):
    a posting or transaction with a missing key drops out of the joins, and only then do outer joins say which.
    """
    problems: list[str] = []
    p_where, t_where, params = "", "", []
    if pool is not None:
        p_where = f"WHERE p.account_id IN (SELECT id FROM {Account._meta.db_table} WHERE pool_id = %s)"
        t_where = "WHERE t.pool_id = %s"
        params = [pool.pk]
    posting, tx, account = Posting._meta.db_table, LedgerTransaction._meta.db_table, Account._meta.db_table
    period_t = Period._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN s <> 0 OR n < 2 THEN 1 ELSE 0 END), 0) FROM ("
            f" SELECT p.transaction_id, SUM(p.amount_pence) AS s, COUNT(*) AS n FROM {posting} p {p_where}"
            f" GROUP BY p.transaction_id) AS g",
            params,
        )
        groups, bad = cur.fetchone()
        if bad:
            cur.execute(
                f"SELECT p.transaction_id, SUM(p.amount_pence), COUNT(*) FROM {posting} p {p_where}"
                f" GROUP BY p.transaction_id HAVING SUM(p.amount_pence) <> 0 OR COUNT(*) < 2 LIMIT 100",
                params,
            )
            for tx_id, total, n in cur.fetchall():
                problems.append(f"transaction {tx_id}: {n} postings summing to {format_pence(int(total))}")
        cur.execute(f"SELECT COUNT(*) FROM {tx} t {t_where}", params)
        (n_tx,) = cur.fetchone()
        if n_tx != groups:
            cur.execute(
                f"SELECT t.id FROM {tx} t WHERE {'t.pool_id = %s AND ' if pool else ''}NOT EXISTS"
                f" (SELECT 1 FROM {posting} p WHERE p.transaction_id = t.id) LIMIT 100",
                params,
            )
            for (tx_id,) in cur.fetchall():
                problems.append(f"transaction {tx_id}: has no postings")
        cur.execute(
            f"SELECT p.account_id, p.period_id, SUM(p.amount_pence), COUNT(*),"
            f" SUM(CASE WHEN p.amount_pence = 0 THEN 1 ELSE 0 END) FROM {posting} p {p_where}"
            f" GROUP BY p.account_id, p.period_id",
            params,
        )
        recomputed = {}
        zero = 0
        for account_id, period_id, total, n, zeros in cur.fetchall():
            recomputed[(account_id, period_id)] = (int(total), n)
            zero += zeros
        if zero:
            problems.append(f"{zero} postings have a zero amount")
        # Inner joins and plain sums (no GROUP BY): cheap on both databases. A posting or transaction whose key
        # is missing (the keys have no foreign-key constraints: decision 0035) drops out of the join, so the
        # counts fall short of the totals, and only then do outer joins find what is missing.
        n_postings = sum(n for _, n in recomputed.values())
        cur.execute(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN p.period_id <> t.period_id THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN a.pool_id <> t.pool_id THEN 1 ELSE 0 END), 0) FROM {posting} p"
            f" JOIN {tx} t ON t.id = p.transaction_id JOIN {account} a ON a.id = p.account_id {p_where}",
            params,
        )
        joined, other_period, other_pool = cur.fetchone()
        if other_period:
            problems.append(f"{other_period} postings are in a different month from their transaction")
        if other_pool:
            problems.append(f"{other_pool} postings are on an account of another pool")
        if joined != n_postings:
            cur.execute(
                f"SELECT SUM(CASE WHEN t.id IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN a.id IS NULL THEN 1 ELSE 0 END)"
                f" FROM {posting} p LEFT JOIN {tx} t ON t.id = p.transaction_id"
                f" LEFT JOIN {account} a ON a.id = p.account_id {p_where}",
                params,
            )
            no_tx, no_account = cur.fetchone()
            if no_tx:
                problems.append(f"{no_tx} postings refer to a transaction that does not exist")
            if no_account:
                problems.append(f"{no_account} postings refer to an account that does not exist")
        cur.execute(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.closed AND t.posted_at > m.closed_at THEN 1 ELSE 0 END), 0)"
            f" FROM {tx} t JOIN {period_t} m ON m.id = t.period_id AND m.pool_id = t.pool_id"
            f" JOIN {Pool._meta.db_table} o ON o.id = t.pool_id {t_where}",
            params,
        )
        tx_joined, late = cur.fetchone()
        if late:
            problems.append(f"{late} transactions were posted into a month after it closed")
        if tx_joined != n_tx:
            cur.execute(
                f"SELECT SUM(CASE WHEN o.id IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN m.id IS NULL THEN 1 ELSE 0 END),"
                f" SUM(CASE WHEN m.pool_id <> t.pool_id THEN 1 ELSE 0 END) FROM {tx} t"
                f" LEFT JOIN {Pool._meta.db_table} o ON o.id = t.pool_id LEFT JOIN {period_t} m ON m.id = t.period_id"
                f" {t_where}",
                params,
            )
            no_pool, no_period, other_pool = cur.fetchone()
            if no_pool:
                problems.append(f"{no_pool} transactions refer to a pool that does not exist")
            if no_period:
                problems.append(f"{no_period} transactions refer to a month that does not exist")
            if other_pool:
                problems.append(f"{other_pool} transactions are in a month of another pool")
        cur.execute(
            f"SELECT COUNT(*) FROM {tx} t LEFT JOIN {tx} r ON r.id = t.reverses_id"
            f" WHERE t.reverses_id IS NOT NULL AND (r.id IS NULL OR r.pool_id <> t.pool_id)"
            f"{' AND t.pool_id = %s' if pool else ''}",
            params,
        )
        (bad_reversals,) = cur.fetchone()
        if bad_reversals:
            problems.append(f"{bad_reversals} transactions reverse a transaction missing from their pool")
    balances = MonthlyBalance.objects.all()
    if pool is not None:
        balances = balances.filter(account__pool=pool)
    stored = {
        (a, p): (amount, n)
        for a, p, amount, n in balances.values_list("account_id", "period_id", "amount_pence", "postings")
    }
    for key in sorted(set(recomputed) | set(stored)):
        want = recomputed.get(key, (0, 0))
        have = stored.get(key, (0, 0))
        if want != have:
            problems.append(
                f"account {key[0]} month {key[1]}: balance {format_pence(have[0])} ({have[1]} postings) "
                f"but the postings sum to {format_pence(want[0])} ({want[1]} postings)"
            )
    return problems


def periods_summary(pool: Pool) -> list[Period]:
    return list(pool.periods.all())
