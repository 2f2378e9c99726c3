"""Pure rules of the pooled budget: ledger invariants, periods, forecast, RAG and the risk share."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcare.money import split_largest_remainder
from jointcare.pool import domain as d

pytestmark = pytest.mark.domain

P = 100  # pence per pound


# ------------------------------------------------------------------ ledger


def test_transaction_must_balance_and_have_two_postings():
    d.check_transaction([500, -500])
    d.check_transaction([500, -200, -300])
    with pytest.raises(d.LedgerError, match="two or more"):
        d.check_transaction([0])
    with pytest.raises(d.LedgerError, match="do not balance"):
        d.check_transaction([500, -499])
    with pytest.raises(d.LedgerError, match="whole pence"):
        d.check_transaction([5.0, -5.0])
    with pytest.raises(d.LedgerError, match="zero"):
        d.check_transaction([0, 0])


amounts = st.integers(min_value=-(10**9), max_value=10**9).filter(lambda a: a != 0)


@given(st.lists(amounts, min_size=1, max_size=8))
def test_any_list_completed_by_its_negated_sum_balances(parts):
    total = sum(parts)
    postings = parts + ([-total] if total else [1, -1])
    d.check_transaction(postings)
    assert sum(postings) == 0


@given(st.lists(amounts, min_size=2, max_size=8).filter(lambda xs: sum(xs) != 0))
def test_unbalanced_lists_are_refused(parts):
    with pytest.raises(d.LedgerError):
        d.check_transaction(parts)


@given(st.lists(st.tuples(st.sampled_from("abcde"), amounts), max_size=60))
def test_balance_is_sum_of_postings(postings):
    result = d.balances(postings)
    for account in "abcde":
        assert result.get(account, 0) == sum(a for acc, a in postings if acc == account)


@given(st.lists(st.lists(amounts, min_size=1, max_size=5), max_size=20))
def test_sequence_of_transactions_and_reversals_keeps_ledger_balanced(drafts):
    ledger = []
    for i, parts in enumerate(drafts):
        total = sum(parts)
        tx = parts + ([-total] if total else [1, -1])
        d.check_transaction(tx)
        ledger.append(tx)
        if i % 3 == 0:
            rev = d.reversal_amounts(tx)
            d.check_transaction(rev)
            ledger.append(rev)
    assert sum(sum(tx) for tx in ledger) == 0


# ------------------------------------------------------------------ periods


def test_financial_year_runs_april_to_march():
    assert d.financial_year_of(dt.date(2026, 4, 1)) == 2026
    assert d.financial_year_of(dt.date(2026, 3, 31)) == 2025
    assert d.financial_year_label(2026) == "2026-27"
    assert d.financial_year_label(1999) == "1999-00"
    assert d.parse_financial_year("2025/26") == 2025
    with pytest.raises(ValueError):
        d.parse_financial_year("2025-27")
    months = d.period_months(2026)
    assert months[0] == dt.date(2026, 4, 1) and months[-1] == dt.date(2027, 3, 1) and len(months) == 12
    assert d.period_number(2026, dt.date(2026, 11, 23)) == 8
    assert d.period_number(2026, dt.date(2027, 3, 31)) == 12
    with pytest.raises(ValueError, match="outside"):
        d.period_number(2026, dt.date(2026, 3, 31))


def test_closed_period_refuses():
    d.check_period_open(False, "2026-04")
    with pytest.raises(d.LedgerError, match="closed"):
        d.check_period_open(True, "2026-04")


def test_instalments():
    assert d.instalments(1000, "quarterly") == {1: 250, 4: 250, 7: 250, 10: 250}
    monthly = d.instalments(1001, "monthly")
    assert sum(monthly.values()) == 1001 and len(monthly) == 12
    assert d.instalments(300, "custom", [(1, 100), (6, 200)]) == {1: 100, 6: 200}
    with pytest.raises(ValueError, match="add up"):
        d.instalments(300, "custom", [(1, 100)])


# ------------------------------------------------------------------ monitoring


def test_forecast_uses_actuals_then_the_larger_of_commitments_and_run_rate():
    actuals = [100, 200, 300] + [0] * 9
    commitments = [0] * 3 + [50, 900] + [0] * 7
    fc = d.forecast_by_month(actuals, commitments, through=3)
    assert fc[:3] == [100, 200, 300]
    assert fc[3] == 200  # a commitment below the run rate (600 / 3) does not lower the month
    assert fc[4] == 900  # one above it raises the month
    assert fc[5:] == [200] * 7
    assert sum(fc) == 600 + 200 + 900 + 1400


def test_small_commitment_does_not_replace_the_run_rate():
    """Finding 8: one £5 commitment in a month replaced a £100 run rate for that month."""
    actuals = [100 * P, 100 * P] + [0] * 10
    commitments = [0, 0, 5 * P] + [0] * 9
    fc = d.forecast_by_month(actuals, commitments, through=2)
    assert fc[2] == 100 * P
    assert sum(fc) == 1200 * P


def test_rag():
    assert d.rag_status(10000, 10000) == d.Rag.GREEN
    assert d.rag_status(10000, 10500) == d.Rag.AMBER
    assert d.rag_status(10000, 10501) == d.Rag.RED
    assert d.rag_status(10000, 8999) == d.Rag.AMBER
    assert d.rag_status(10000, 9000) == d.Rag.GREEN
    assert d.rag_status(0, 1) == d.Rag.RED


# ------------------------------------------------------------------ risk share: worked examples


def scheme(key, lead, budget, outturn):
    return d.SchemeResult(key, key, lead, budget * P, outturn * P)


def test_risk_pool_then_pro_rata_capped_at_contributions():
    """Rotherham BCF clause 8: a risk pool, then pro rata to contributions, capped at each contribution."""
    contributions = {"ICB": 6_000_000 * P, "Council": 4_000_000 * P}
    schemes = [scheme("A", "ICB", 5_000_000, 6_000_000), scheme("B", "Council", 4_500_000, 4_300_000)]
    rule = d.RiskRule(
        d.Method.PRO_RATA,
        caps={"ICB": "contribution", "Council": "contribution"},
        excess_to="ICB",
        risk_reserve=500_000 * P,
    )
    r = d.risk_share(schemes, contributions, rule)
    # net 1,000,000 - 200,000 = 800,000; reserve 500,000; remaining 300,000 at 60:40
    assert r.net_variance == 800_000 * P
    assert r.reserve_drawn == 500_000 * P
    assert r.shares == {"ICB": 180_000 * P, "Council": 120_000 * P}
    texts = " | ".join(line.text for line in r.lines)
    assert "Draw £500,000.00 from the risk reserve" in texts
    assert "ICB bears £180,000.00" in texts


def test_cap_excess_falls_to_named_partner():
    contributions = {"ICB": 100 * P, "Council": 10 * P}
    schemes = [scheme("A", "ICB", 110, 310)]
    rule = d.RiskRule(d.Method.PRO_RATA, caps={"Council": "contribution"}, excess_to="ICB")
    r = d.risk_share(schemes, contributions, rule)
    # 200 split 100:10 -> ICB 181.82, Council 18.18; council capped at 10.00, 8.18 to ICB
    assert r.shares == {"ICB": 19000, "Council": 1000}
    assert any("capped at £10.00" in line.text for line in r.lines)


def test_cap_without_named_partner_reshares_then_goes_outside_the_pool():
    contributions = {"A": 100 * P, "B": 100 * P}
    r = d.risk_share(
        [scheme("s", "A", 200, 500)], contributions, d.RiskRule(caps={"A": 50 * P, "B": "contribution"})
    )
    assert r.shares == {"A": 50 * P, "B": 100 * P}
    assert r.uncovered == 150 * P


def test_fifty_fifty_on_excess_cost():
    """Transforming Care template: CCG and council each contribute 50% of the excess cost."""
    rule = d.RiskRule(d.Method.FIXED, shares={"CCG": Fraction(1, 2), "Council": Fraction(1, 2)})
    r = d.risk_share(
        [d.SchemeResult("p", "Placement", "Council", 100_000, 200_001)],
        {"CCG": 50_000, "Council": 50_000},
        rule,
    )
    assert r.shares == {"CCG": 50_001, "Council": 50_000}
    assert sum(r.shares.values()) == 100_001


def test_fixed_shares_and_underspend_by_share():
    rule = d.RiskRule(
        d.Method.FIXED,
        shares={"H": Fraction(7, 10), "N": Fraction(3, 10)},
        underspend=d.Underspend.RETURN_BY_SHARE,
    )
    r = d.risk_share([scheme("s", "H", 1000, 900)], {"H": 500 * P, "N": 500 * P}, rule)
    assert r.shares == {"H": -70 * P, "N": -30 * P}


def test_no_risk_share_each_partner_bears_its_own_schemes():
    """Herefordshire 2017-19: pooled, but no risk share."""
    contributions = {"ICB": 1000 * P, "Council": 1000 * P}
    schemes = [scheme("A", "ICB", 500, 600), scheme("B", "Council", 500, 460)]
    r = d.risk_share(schemes, contributions, d.RiskRule(d.Method.NONE))
    assert r.shares == {"ICB": 100 * P, "Council": -40 * P}


def test_lead_commissioner_bears_overspend():
    contributions = {"ICB": 1000 * P, "Council": 1000 * P}
    schemes = [scheme("A", "ICB", 500, 600), scheme("B", "Council", 500, 530), scheme("C", "ICB", 500, 480)]
    r = d.risk_share(schemes, contributions, d.RiskRule(d.Method.LEAD_COMMISSIONER))
    # net 110; weights by gross overspend ICB 100, council 30
    assert r.shares == {"ICB": 8462, "Council": 2538}


def test_underspend_returned_pro_rata_or_carried_forward():
    contributions = {"ICB": 3000 * P, "Council": 1000 * P}
    schemes = [scheme("A", "ICB", 2000, 1900)]
    r = d.risk_share(schemes, contributions, d.RiskRule(risk_reserve=20 * P))
    assert r.shares == {"ICB": -90 * P, "Council": -30 * P}  # 100 underspend + 20 unused reserve, 3:1
    r = d.risk_share(schemes, contributions, d.RiskRule(underspend=d.Underspend.CARRY_FORWARD))
    assert r.shares == {"ICB": 0, "Council": 0} and r.carried_forward == 100 * P


def test_rules_are_validated():
    with pytest.raises(d.RuleError, match="100%"):
        d.risk_share([], {"A": 1}, d.RiskRule(d.Method.FIXED, shares={"A": Fraction(1, 2)}))
    with pytest.raises(d.RuleError, match="pays nothing into the pool") as refused:
        d.risk_share([], {"A": 1}, d.RiskRule(excess_to="Z"))
    assert refused.value.problems[0].path == "risk_share.excess_to"
    with pytest.raises(d.RuleError, match="lead commissioner") as refused:
        d.risk_share([scheme("s", "Z", 1, 2)], {"A": 1}, d.RiskRule(d.Method.LEAD_COMMISSIONER))
    assert refused.value.problems[0].path == "schemes[0].lead"


def test_settlement_postings_balance():
    r = d.risk_share(
        [scheme("s", "A", 100, 300)], {"A": 100 * P, "B": 50 * P}, d.RiskRule(caps={"A": 10 * P, "B": 10 * P})
    )
    postings = d.settlement_postings(r)
    d.check_transaction([a for _, _, a in postings])


# ------------------------------------------------------------------ risk share: properties

partner_names = ["P1", "P2", "P3", "P4"]


@st.composite
def share_cases(draw):
    n = draw(st.integers(1, 4))
    partners = partner_names[:n]
    contributions = {p: draw(st.integers(1, 10**9)) for p in partners}
    schemes = [
        d.SchemeResult(
            f"s{i}",
            f"s{i}",
            draw(st.sampled_from(partners)),
            draw(st.integers(0, 10**9)),
            draw(st.integers(0, 10**9)),
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    method = draw(st.sampled_from(list(d.Method)))
    shares = {}
    if method == d.Method.FIXED:
        raw = [draw(st.integers(1, 100)) for _ in partners]
        shares = {p: Fraction(w, sum(raw)) for p, w in zip(partners, raw, strict=True)}
    caps = {}
    for p in partners:
        choice = draw(st.sampled_from([None, "contribution", "amount"]))
        if choice == "contribution":
            caps[p] = "contribution"
        elif choice == "amount":
            caps[p] = draw(st.integers(0, 10**9))
    excess_to = draw(st.sampled_from([None, *partners]))
    rule = d.RiskRule(
        method,
        shares=shares,
        caps=caps,
        excess_to=excess_to,
        underspend=draw(st.sampled_from(list(d.Underspend))),
        risk_reserve=draw(st.integers(0, 10**8)),
    )
    return schemes, contributions, rule


@settings(max_examples=300, deadline=None)
@given(share_cases())
def test_risk_share_always_adds_up_to_the_penny(case):
    schemes, contributions, rule = case
    r = d.risk_share(schemes, contributions, rule)
    assert sum(r.shares.values()) + r.uncovered - r.carried_forward == r.net_variance - rule.risk_reserve
    assert all(isinstance(v, int) for v in r.shares.values())
    assert r.reserve_drawn <= rule.risk_reserve
    postings = d.settlement_postings(r)
    if postings:
        d.check_transaction([a for _, _, a in postings])
    # caps hold for every partner unless it is the one named to take the excess
    for p, cap in rule.caps.items():
        limit = contributions[p] if cap == "contribution" else cap
        if p != rule.excess_to and r.shares[p] > 0:
            assert r.shares[p] <= max(limit, 0)


@given(st.integers(-(10**12), 10**12), st.lists(st.integers(0, 10**6), min_size=1, max_size=10).filter(any))
def test_largest_remainder_split_sums_exactly(total, weights):
    assert sum(split_largest_remainder(total, weights)) == total


def test_settlement_needs_april_to_february_closed():
    from jointcare.pool.domain import months_blocking_settlement

    assert months_blocking_settlement(range(1, 12)) == []
    assert months_blocking_settlement(range(1, 13)) == []
    assert months_blocking_settlement([1, 2, 3]) == list(range(4, 12))
    assert months_blocking_settlement([n for n in range(1, 12) if n != 7]) == [7]
