"""Properties of a pool through its year, checked by hypothesis.

1. Any sequence of ledger operations keeps the ledger consistent (`ledger check`).
2. A state machine: for any valid pool (drawn as an agreement file) and any sequence of posting, reversing,
   committing, receiving contributions, closing months, letting time pass, previewing, settling and reopening,
   - each operation is allowed exactly when the lifecycle says so, and a refused one leaves no trace;
   - the ledger balances and every stored balance agrees with its postings;
   - budgets phase to the penny: each scheme's months add up to its budget, the pool's months to
     `phase_budget` of the total, and the partners' months to the pool's;
   - a settlement's shares add up to the net variance after the reserve, to the penny, and its transaction
     posts exactly those shares;
   - no partner receives more than its share of the underspend (by the rule's basis), and all partners
     together never more than was paid into the pool;
   - the agreement file exports, imports and exports again identically.
"""

import datetime as dt
from fractions import Fraction

import pytest
import yaml
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from jointcare.errors import ServiceError
from jointcare.money import split_largest_remainder
from jointcare.pool import agreement_file, domain, reports, services
from jointcare.pool.domain import AccountKind, PoolState
from jointcare.pool.models import LedgerTransaction, MonthlyBalance, Posting, Settlement

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.just("post"), st.integers(1, 12), st.lists(st.integers(1, 10**7), min_size=1, max_size=3)),
    st.tuples(st.just("bulk"), st.integers(1, 12), st.lists(st.integers(1, 10**6), min_size=1, max_size=6)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just([])),
    st.tuples(st.just("close"), st.integers(1, 12), st.just([])),
)


class Rollback(Exception):
    pass


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, max_size=12))
def test_any_sequence_of_operations_keeps_the_ledger_consistent(pool, finance, ops):
    accounts = [a.pk for a in pool.accounts.filter(kind__in=[AccountKind.SPEND, AccountKind.CASH])]
    months = [p.starts_on for p in pool.periods.order_by("number")]
    try:
        with transaction.atomic():
            n = 0
            for kind, month, amounts in ops:
                n += 1
                try:
                    if kind == "post":
                        postings = [(accounts[i % len(accounts)], a) for i, a in enumerate(amounts)]
                        postings.append((accounts[-1], -sum(amounts)))
                        services.post_transaction(
                            finance,
                            pool,
                            key=f"p{n}",
                            value_date=months[month - 1],
                            postings=postings,
                            reason="property",
                        )
                    elif kind == "bulk":
                        entries = [
                            services.Entry(
                                f"b{n}-{i}",
                                months[month - 1],
                                [(accounts[i % len(accounts)], a), (accounts[-1], -a)],
                                "property",
                            )
                            for i, a in enumerate(amounts)
                        ]
                        services.post_transactions_bulk(finance, pool, entries, "property")
                    elif kind == "reverse":
                        txs = list(pool.transactions.filter(kind="adjustment").order_by("pk"))
                        if txs:
                            services.reverse_transaction(finance, txs[month % len(txs)], "property")
                    else:
                        services.close_period(finance, pool, month, today=dt.date(2027, 4, 1))
                except ServiceError:
                    pass  # refused operations (closed month, already reversed) must leave no trace
            assert reports.ledger_check(pool) == []
            total = sum(Posting.objects.filter(account__pool=pool).values_list("amount_pence", flat=True))
            assert total == 0
            for mb in MonthlyBalance.objects.filter(account__pool=pool):
                assert mb.amount_pence == sum(
                    Posting.objects.filter(account_id=mb.account_id, period_id=mb.period_id).values_list(
                        "amount_pence", flat=True
                    )
                )
            raise Rollback
    except Rollback:
        pass


# ----------------------------------------------------------------------------------------- the year


CODES = ["PA1", "PA2", "PA3"]
YEAR = 2026


@st.composite
def agreement_files(draw) -> dict:
    """A valid pool as an agreement document: 2 or 3 partners, 1 to 3 schemes, any method, caps, excess and
    underspend rule; pooled contributions add up to the budgets and reserve."""
    n = draw(st.integers(2, 3))
    keys = [f"p{i}" for i in range(n)]
    schemes = []
    for i in range(draw(st.integers(1, 3))):
        scheme = {
            "code": f"S{i}",
            "name": f"Scheme {i}",
            "service_area": "other",
            "lead": draw(st.sampled_from(keys)),
            "budget": draw(st.integers(100, 10**7)),
        }
        if draw(st.booleans()):
            funders = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=n, unique=True))
            parts = split_largest_remainder(10_000, [draw(st.integers(1, 5)) for _ in funders])
            scheme["funders"] = {k: _pct(Fraction(bp, 100)) for k, bp in zip(funders, parts, strict=True) if bp}
        schemes.append(scheme)
    reserve = draw(st.integers(0, 10**6))
    weights = [draw(st.integers(1, 5)) for _ in keys]
    amounts = split_largest_remainder(sum(s["budget"] for s in schemes) + reserve, weights)
    method = draw(st.sampled_from(list(domain.Method)))
    rule: dict = {"method": method.value, "underspend": draw(st.sampled_from(list(domain.Underspend))).value}
    if method == domain.Method.FIXED:
        raw = [draw(st.sampled_from([0, 1, 1, 2, 3])) for _ in keys]
        raw = raw if any(raw) else [1] * n
        rule["shares"] = {k: _pct(Fraction(w * 100, sum(raw))) for k, w in zip(keys, raw, strict=True)}
    caps = {}
    for k in keys:
        choice = draw(st.sampled_from([None, "contribution", "amount"]))
        if choice == "contribution":
            caps[k] = "contribution"
        elif choice == "amount":
            caps[k] = _pounds(draw(st.integers(0, 10**6)))
    if caps:
        rule["caps"] = caps
    excess_to = draw(st.sampled_from([None, *keys]))
    if excess_to:
        rule["excess_to"] = excess_to
    return {
        "pool": {
            "name": "Property pool",
            "agreement": "Property agreement",
            "financial_year": domain.financial_year_label(YEAR),
            "host": keys[0],
            "risk_reserve": _pounds(reserve),
        },
        "partners": {k: CODES[i] for i, k in enumerate(keys)},
        "contributions": [
            {"partner": k, "amount": _pounds(a), "schedule": draw(st.sampled_from(["monthly", "quarterly"]))}
            for k, a in zip(keys, amounts, strict=True)
        ],
        "schemes": [{**s, "budget": _pounds(s["budget"])} for s in schemes],
        "risk_share": rule,
    }


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


def _pct(f: Fraction):
    return agreement_file._pct(f)


AFTER = dt.date(YEAR + 1, 4, 1)


class PoolYear(RuleBasedStateMachine):
    """A pool through its year, against a model of what the lifecycle allows."""

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.pool = None
        self.today = dt.date(YEAR, 4, 20)
        self.n = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # ------------------------------------------------------------------ set-up

    @initialize(doc=agreement_files(), today=st.sampled_from([dt.date(YEAR, 4, 20), dt.date(YEAR, 11, 29), AFTER]))
    def create(self, doc, today):
        from jointcare.organisations.models import Organisation
        from jointcare.partnerships.models import Agreement

        for i, code in enumerate(CODES):
            Organisation.objects.create(name=f"Partner {i}", sector="nhs", kind="icb", ods_code=code)
        Agreement.objects.create(name="Property agreement", kind="section_75_pooled_fund", starts_on=dt.date(YEAR, 4, 1))
        text = yaml.safe_dump(doc, sort_keys=False)
        self.pool = agreement_file.create_from_text(None, text)
        # export -> import -> export is identical (into the next year of the same agreement)
        exported = agreement_file.export(self.pool)
        again = agreement_file.load(exported)
        again["pool"]["financial_year"] = domain.financial_year_label(YEAR + 1)
        copy = services.create_pool(None, agreement_file.parse(again))
        assert agreement_file.export(copy) == exported.replace(
            domain.financial_year_label(YEAR), domain.financial_year_label(YEAR + 1)
        )
        self.today = today
        self.schemes = list(self.pool.schemes.order_by("code"))
        self.contributions = list(self.pool.contributions.order_by("pk"))

    # ------------------------------------------------------------------ the model

    def state(self) -> PoolState:
        self.pool.refresh_from_db()
        return PoolState(self.pool.status)

    def closed(self) -> set[int]:
        return set(self.pool.periods.filter(closed=True).values_list("number", flat=True))

    def attempt(self, expected_ok: bool, action):
        """Run `action`; it must succeed exactly when the model expects it to, and a refusal leaves no trace."""
        before = (Posting.objects.count(), LedgerTransaction.objects.count(), self.pool.status, len(self.closed()))
        try:
            result = action()
        except ServiceError as exc:
            assert not expected_ok, f"refused unexpectedly: {exc.message}"
            self.pool.refresh_from_db()
            after = (Posting.objects.count(), LedgerTransaction.objects.count(), self.pool.status, len(self.closed()))
            assert after == before
            return None
        assert expected_ok, "allowed unexpectedly"
        return result

    def open_for_posting(self, month: int) -> bool:
        return self.state() != PoolState.SETTLED and month not in self.closed()

    # ------------------------------------------------------------------ operations

    @rule(days=st.integers(1, 400))
    def time_passes(self, days):
        self.today = min(self.today + dt.timedelta(days=days), AFTER + dt.timedelta(days=30))

    @rule(scheme=st.integers(0, 2), month=st.integers(1, 12), amount=st.integers(1, 10**6))
    def post(self, scheme, month, amount):
        s = self.schemes[scheme % len(self.schemes)]
        self.n += 1
        ok = self.open_for_posting(month)
        self.attempt(
            ok,
            lambda: services.post_transaction(
                None,
                self.pool,
                key=f"k{self.n}",
                value_date=domain.period_months(YEAR)[month - 1] + dt.timedelta(days=9),
                reason="payment",
                kind="actual",
                postings=[
                    (services.account_for(self.pool, AccountKind.SPEND, scheme=s), amount),
                    (services.account_for(self.pool, AccountKind.CASH), -amount),
                ],
            ),
        )

    @rule(pick=st.integers(0, 100))
    def reverse(self, pick):
        txs = list(
            LedgerTransaction.objects.filter(pool=self.pool, kind="actual", reversed_by__isnull=True).order_by("pk")
        )
        if not txs:
            return
        tx = txs[pick % len(txs)]
        ok = self.open_for_posting(domain.period_number(YEAR, tx.value_date))
        self.attempt(ok, lambda: services.reverse_transaction(None, tx, "keyed twice"))

    @rule(scheme=st.integers(0, 2), month=st.integers(1, 12), amount=st.integers(0, 10**6))
    def commit(self, scheme, month, amount):
        s = self.schemes[scheme % len(self.schemes)]
        ok = self.state() != PoolState.SETTLED
        self.attempt(
            ok,
            lambda: services.create_commitment(
                None, s, domain.period_months(YEAR)[month - 1], amount, "care", f"pkg-{scheme}-{month}"
            ),
        )

    @rule(which=st.integers(0, 2), instalment=st.integers(0, 11))
    def receive(self, which, instalment):
        c = self.contributions[which % len(self.contributions)]
        plan = sorted(int(k) for k in c.instalments)
        number = plan[instalment % len(plan)]
        received = LedgerTransaction.objects.filter(
            pool=self.pool, idempotency_key=services.receipt_key(c.pk, number)
        ).exists()
        ok = self.open_for_posting(number) or received  # the same receipt again is answered, not refused
        self.attempt(
            ok, lambda: services.receive_contribution(None, c, number, domain.instalment_due_date(YEAR, number))
        )

    @rule()
    def close_next_month(self):
        closed = self.closed()
        number = next((n for n in range(1, 12) if n not in closed), 12)
        ok = number <= 11 and domain.month_end(YEAR, number) < self.today
        self.attempt(ok, lambda: services.close_period(None, self.pool, number, today=self.today))

    @rule()
    def close_every_month_ended(self):
        """What a finance officer does at each month end, months at a time."""
        for _ in range(12):
            closed = self.closed()
            number = next((n for n in range(1, 12) if n not in closed), None)
            if number is None or domain.month_end(YEAR, number) >= self.today:
                return
            self.close_next_month()

    @rule()
    def year_ends(self):
        """The year is over: today is past 31 March and the months up to February get closed."""
        self.today = max(self.today, AFTER)
        self.close_every_month_ended()

    @rule()
    def preview(self):
        if self.state() == PoolState.SETTLED:
            return
        outcome = services.preview_settlement(self.pool, self.today)
        assert outcome["basis"] == ("actuals" if self.today > domain.financial_year_bounds(YEAR)[1] else "forecast")
        self.check_shares(outcome)

    @rule()
    def settle(self):
        ok = self.state() in (PoolState.AWAITING_SETTLEMENT, PoolState.REOPENED) and self.today > AFTER - dt.timedelta(days=1)
        outcome = self.attempt(ok, lambda: services.settle_pool(None, self.pool, today=self.today))
        if outcome is None:
            return
        assert self.state() == PoolState.SETTLED and 12 in self.closed()
        event("settled")
        self.check_shares(outcome)
        net = self.actual_spend() - sum(s.budget_pence for s in self.schemes)
        assert outcome["net_variance_pence"] == net
        settlement = Settlement.objects.get(pool=self.pool, reopened_at__isnull=True)
        if settlement.transaction_id:
            balances = Posting.objects.filter(
                transaction_id=settlement.transaction_id, account__kind=AccountKind.PARTNER_BALANCE
            )
            assert {p.account.partner_id: p.amount_pence for p in balances} == {
                s["partner_id"]: s["amount_pence"] for s in outcome["shares"] if s["amount_pence"]
            }

    @rule(reason=st.sampled_from(["", "Late invoice from the equipment store"]))
    def reopen(self, reason):
        ok = self.state() == PoolState.SETTLED and bool(reason)
        if self.attempt(ok, lambda: services.reopen_pool(None, self.pool, reason, today=self.today)):
            event("reopened")

    # ------------------------------------------------------------------ checks

    def actual_spend(self) -> int:
        return sum(
            MonthlyBalance.objects.filter(account__pool=self.pool, account__kind=AccountKind.SPEND).values_list(
                "amount_pence", flat=True
            )
        )

    def check_shares(self, outcome):
        """Shares add up to the net variance after the reserve; nobody receives more than its share of the
        underspend; all together never more than was paid in."""
        shares = {s["partner_id"]: s["amount_pence"] for s in outcome["shares"]}
        assert sum(shares.values()) + outcome["uncovered_pence"] - outcome["carried_forward_pence"] == (
            outcome["net_variance_pence"] - outcome["risk_reserve_pence"]
        )
        pooled = services.pooled_contributions(self.pool)
        rule_ = services.rule_for(self.pool)
        net, reserve, drawn = outcome["net_variance_pence"], outcome["risk_reserve_pence"], outcome["reserve_drawn_pence"]
        underspend = max(0, -net) + (reserve - drawn) if rule_.method != domain.Method.NONE else reserve
        received = {p: max(0, -amount) for p, amount in shares.items()}
        assert sum(received.values()) <= sum(pooled.values())
        if rule_.underspend == domain.Underspend.RETURN_BY_SHARE and rule_.method == domain.Method.FIXED:
            weights = {p: rule_.shares.get(p, 0) for p in pooled}
        else:
            weights = pooled
        total_weight = sum(weights.values())
        lines = {line.key: line for line in reports.monitoring(self.pool, outcome["through"])["schemes"]}
        for p, got in received.items():
            if rule_.underspend == domain.Underspend.CARRY_FORWARD:
                basis = 0
            else:
                basis = underspend * Fraction(weights[p]) / total_weight
            if rule_.method == domain.Method.NONE:  # each lead is returned its own schemes' net underspend
                leads = dict(self.pool.schemes.values_list("code", "lead_id"))
                own = sum(line.totals["variance"] for code, line in lines.items() if leads[code] == p)
                basis += max(0, -own) if rule_.underspend != domain.Underspend.CARRY_FORWARD else 0
            # the net underspend and the unused reserve are returned in two splits, each of which may round a
            # partner's part up by a penny (largest remainder)
            assert got <= basis + 2, (p, got, basis)

    @invariant()
    def ledger_balances(self):
        if self.pool is None:
            return
        assert reports.ledger_check(self.pool) == []
        assert sum(Posting.objects.filter(account__pool=self.pool).values_list("amount_pence", flat=True)) == 0

    @invariant()
    def budgets_phase_to_the_penny(self):
        if self.pool is None:
            return
        data = reports.monitoring(self.pool, today=self.today)
        for line, scheme in zip(data["schemes"], self.schemes, strict=True):
            assert sum(line.budget) == scheme.budget_pence
        total = sum(s.budget_pence for s in self.schemes)
        assert data["total"].budget == domain.phase_budget(total)
        for m in range(12):
            assert sum(p.budget[m] for p in data["partners"]) == data["total"].budget[m]
            assert sum(p.forecast[m] for p in data["partners"]) == data["total"].forecast[m]

    @invariant()
    def state_follows_the_facts(self):
        if self.pool is None:
            return
        closed = self.closed()
        settlements = list(Settlement.objects.filter(pool=self.pool))
        in_force = any(s.reopened_at is None for s in settlements)
        expected = domain.state_from_facts(closed, settled=in_force, reopened_before=bool(settlements))
        assert self.state() == expected
        assert (12 in closed) == in_force


def test_a_pool_through_any_sequence_of_its_years_operations(db):
    run_state_machine_as_test(
        PoolYear,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )

