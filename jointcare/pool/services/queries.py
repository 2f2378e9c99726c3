"""Reading a pool: the one source of its figures (budget, commitments, actuals, forecast by scheme, partner and
month), partner statements and the contributions schedule. Nothing here writes.

Aggregation happens in the database (GROUP BY over the monthly balance summary and the commitments), so the
cost does not grow with the number of postings. Every total shown anywhere (monitoring, statements, the
settlement preview, the quarterly and year-end reports and their exports) is taken from `monitoring`, so the
screens agree to the penny.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from jointcare.errors import FieldError
from jointcare.pool import domain
from jointcare.pool.domain import MONTH_NAMES, AccountKind, TransactionKind
from jointcare.pool.models import Commitment, MonthlyBalance, Pool, Posting
from jointcare.pool.services.ledger import parse_receipt_key
from jointcare.pool.services.periods import today_or


def partner_names(pool: Pool) -> dict[int, str]:
    """Organisation id -> name, for every partner with a contribution (names are for display only)."""
    return {c.partner_id: c.partner.name for c in pool.contributions.select_related("partner")}


def pooled_contributions(pool: Pool) -> dict[int, int]:
    """Organisation id -> pooled contributions (0 for a partner with only aligned money)."""
    result: dict[int, int] = {}
    for partner_id, ctype, amount in pool.contributions.values_list("partner_id", "type", "amount_pence"):
        result.setdefault(partner_id, 0)
        if ctype == domain.ContributionType.POOLED:
            result[partner_id] += amount
    return result


def reporting_month(pool: Pool, today: dt.date | None = None) -> int:
    """The later of the last complete month before today and the last closed month (0 .. 12)."""
    complete = domain.months_ended(pool.financial_year, today_or(today))
    closed = pool.periods.filter(closed=True).order_by("-number").values_list("number", flat=True).first() or 0
    return max(complete, closed)


def _twelve() -> list[int]:
    return [0] * 12


@dataclass
class Line:
    key: str
    name: str
    lead: str
    budget: list[int]
    commitments: list[int]
    actuals: list[int]
    forecast: list[int]
    partner_id: int | None = None

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
            **({"partner_id": self.partner_id} if self.partner_id is not None else {}),
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


FIGURES = ("budget", "commitments", "actuals", "forecast")


def scheme_funders(scheme) -> list[tuple[int, int]]:
    """(organisation id, weight) of a scheme's funders; a scheme with none listed is funded by its lead."""
    return [(f.partner_id, f.share_basis_points) for f in scheme.funders.all()] or [(scheme.lead_id, 1)]


def monitoring(pool: Pool, through: int | None = None, *, today: dt.date | None = None) -> dict:
    """Budget, commitments, actuals, forecast outturn, variance and RAG per scheme, partner and the pool, by
    month: the one source of every figure.

    - `through`: the reporting month (0 .. 12); by default `reporting_month(pool, today)`. Months up to it
      take their actuals; later months the forecast rule (`domain.forecast_by_month`). At 12 (after the year)
      the forecast is the actual outturn.
    - Budgets are phased together (`domain.phase_budgets`): each scheme's months add up to its budget and the
      pool's months to the sum of the schemes'.
    - Partners' figures are each scheme's split between its funders (`domain.funders_split`), so a partner's
      year is exactly its share of each scheme's year; partners are keyed by organisation id.
    """
    if through is None:
        through = reporting_month(pool, today)
    if isinstance(through, bool) or not isinstance(through, int) or not 0 <= through <= 12:
        raise FieldError("the reporting month must be 0 to 12 (1 = April .. 12 = March)", field="through")
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
    schemes = list(pool.schemes.select_related("lead").prefetch_related("funders"))
    phased = domain.phase_budgets([s.budget_pence for s in schemes])
    lines = []
    for s, budget in zip(schemes, phased, strict=True):
        a, c = actual[s.pk], committed[s.pk]
        lines.append(Line(s.code, s.name, s.lead.name, budget, c, a, domain.forecast_by_month(a, c, through)))
    partners = partner_names(pool)
    names = {**{s.lead_id: s.lead.name for s in schemes}, **partners}  # a lead may fund without contributing
    partner_lines: dict[int, Line] = {}

    def partner_line(pid: int) -> Line:
        if pid not in partner_lines:
            partner_lines[pid] = Line(str(pid), names.get(pid, str(pid)), "", _twelve(), _twelve(), _twelve(), _twelve(), pid)
        return partner_lines[pid]

    for pid in partners:
        partner_line(pid)
    for s, line in zip(schemes, lines, strict=True):
        funders = scheme_funders(s)
        for attr in FIGURES:
            for pid, months in domain.funders_split(getattr(line, attr), funders).items():
                target = getattr(partner_line(pid), attr)
                for m in range(12):
                    target[m] += months[m]
    total = Line("total", "All schemes", "", _twelve(), _twelve(), _twelve(), _twelve())
    for line in lines:
        for attr in FIGURES:
            target = getattr(total, attr)
            for m, value in enumerate(getattr(line, attr)):
                target[m] += value
    return {
        "pool": pool,
        "through": through,
        "through_label": MONTH_NAMES[through - 1] if through else "none",
        "basis": "actuals" if through == 12 else "forecast",
        "schemes": lines,
        "partners": list(partner_lines.values()),
        "total": total,
    }


def money_in(pool: Pool) -> dict[int, int]:
    """Organisation id -> money paid into the pool: cash received (the credits on its contribution account)
    plus the value of its pooled contributions in kind."""
    received = dict(
        MonthlyBalance.objects.filter(account__pool=pool, account__kind=AccountKind.CONTRIBUTION)
        .values("account__partner_id")
        .annotate(total=Sum("amount_pence"))
        .values_list("account__partner_id", "total")
    )
    result = {pid: -(total or 0) for pid, total in received.items()}
    for c in pool.contributions.filter(type=domain.ContributionType.POOLED, form=domain.ContributionForm.IN_KIND):
        result[c.partner_id] = result.get(c.partner_id, 0) + c.amount_pence
    return result


def partner_statements(pool: Pool, result: domain.RiskShareResult, figures: dict) -> list[dict]:
    """Per partner (by organisation id): contribution due, money in, money spent (its funders' share of the
    outturn: the forecast in year, the actuals after it, from `figures`), share of variance, and balance due
    (+ the partner owes the pool, - the pool owes the partner)."""
    names = partner_names(pool)
    due = pooled_contributions(pool)
    paid = money_in(pool)
    spent = {line.partner_id: line.totals["forecast"] for line in figures["partners"]}
    out = []
    for pid, name in names.items():
        share = result.shares.get(pid, 0)
        out.append(
            {
                "partner_id": pid,
                "partner": name,
                "contribution_due_pence": due.get(pid, 0),
                "money_in_pence": paid.get(pid, 0),
                "money_spent_pence": spent.get(pid, 0),
                "share_of_variance_pence": share,
                "balance_due_pence": (due.get(pid, 0) - paid.get(pid, 0)) + share,
            }
        )
    return out


def contributions_schedule(pool: Pool, today: dt.date | None = None) -> dict:
    """Contributions due and received, with arrears, as at `today`.

    One row per instalment of every pooled cash contribution (in-kind and aligned money is not paid into the
    pool): partner, instalment number, month, due date (the first day of its month), amount due, amount
    received and when, and arrears (what is due by today and not received). Reversed receipts do not count.
    Also totals per partner and for the pool."""
    today = today_or(today)
    received: dict[tuple[int, int], list] = {}
    rows = (
        Posting.objects.filter(
            transaction__pool=pool,
            transaction__kind=TransactionKind.CONTRIBUTION,
            transaction__reversed_by__isnull=True,
            account__kind=AccountKind.CONTRIBUTION,
        )
        .values_list("transaction__idempotency_key", "transaction_id", "transaction__value_date", "amount_pence")
        .order_by("transaction_id")
    )
    for key, tx_id, day, amount in rows:
        which = parse_receipt_key(key)
        if which is not None:
            got = received.setdefault(which, [0, None, []])
            got[0] += -amount
            got[1] = day
            got[2].append(tx_id)
    instalments = []
    partners: dict[int, dict] = {}
    for c in pool.contributions.select_related("partner").order_by("partner__name", "pk"):
        if c.type != domain.ContributionType.POOLED or c.form != domain.ContributionForm.CASH:
            continue
        for number, due in sorted((int(k), v) for k, v in c.instalments.items()):
            due_date = domain.instalment_due_date(pool.financial_year, number)
            amount, on, txs = received.get((c.pk, number), [0, None, []])
            arrears = max(0, due - amount) if due_date <= today else 0
            instalments.append(
                {
                    "partner_id": c.partner_id,
                    "partner": c.partner.name,
                    "contribution_id": c.pk,
                    "instalment": number,
                    "month": domain.month_label(pool.financial_year, number),
                    "due_date": due_date,
                    "due_pence": due,
                    "received_pence": amount,
                    "received_on": on,
                    "arrears_pence": arrears,
                    "transaction_ids": txs,
                }
            )
            p = partners.setdefault(
                c.partner_id,
                {"partner_id": c.partner_id, "partner": c.partner.name, "due_in_year_pence": 0, "due_to_date_pence": 0,
                 "received_pence": 0, "arrears_pence": 0},
            )
            p["due_in_year_pence"] += due
            p["due_to_date_pence"] += due if due_date <= today else 0
            p["received_pence"] += amount
            p["arrears_pence"] += arrears
    totals = {
        k: sum(p[k] for p in partners.values())
        for k in ("due_in_year_pence", "due_to_date_pence", "received_pence", "arrears_pence")
    }
    return {"as_at": today, "instalments": instalments, "partners": list(partners.values()), "total": totals}
