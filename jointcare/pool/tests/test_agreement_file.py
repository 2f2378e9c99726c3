"""The published risk-share rules (STANDARDS 3.3) expressed as agreement files and settled end to end."""

import datetime as dt
import textwrap

import pytest

from jointcare.errors import FieldError
from jointcare.pool import agreement_file, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import LedgerTransaction
from jointcare.pool.tests.conftest import AFTER_YEAR_END, AGREEMENT_YAML, close_year

pytestmark = pytest.mark.django_db

HEAD = """
pool:
  name: Rule test
  agreement: Test Section 75
  financial_year: 2026-27
  host: council
  risk_reserve: {reserve}
partners:
  icb: QZZ
  council: E06000099
contributions:
  - {{partner: icb, amount: {icb}, schedule: quarterly}}
  - {{partner: council, amount: {council}, schedule: quarterly}}
schemes:
  - {{code: A, name: Scheme A, service_area: home_care, lead: council, budget: {budget_a}}}
  - {{code: B, name: Scheme B, service_area: community_matrons, lead: icb, budget: {budget_b}}}
"""


def make(finance, rule, *, reserve="0", icb="600000", council="400000", budget_a="500000", budget_b="500000"):
    text = HEAD.format(reserve=reserve, icb=icb, council=council, budget_a=budget_a, budget_b=budget_b)
    return agreement_file.create_from_text(finance, text + textwrap.dedent(rule))


def spend(finance, pool, code, pounds):
    scheme = pool.schemes.get(code=code)
    services.post_transaction(
        finance,
        pool,
        key=f"s-{code}",
        value_date=dt.date(2027, 3, 1),
        reason="outturn",
        postings=[
            (services.account_for(pool, AccountKind.SPEND, scheme=scheme), pounds * 100),
            (services.account_for(pool, AccountKind.CASH), -pounds * 100),
        ],
    )


def shares(outcome):
    return {
        s["partner"].replace("Test ", ""): s["amount_pence"] // 100 if s["amount_pence"] % 100 == 0 else s["amount_pence"] / 100
        for s in outcome["shares"]
    }


def test_rotherham_risk_pool_then_pro_rata_capped_at_contributions(partners, finance):
    rule = """
    risk_share:
      method: pro_rata
      caps: {icb: contribution, council: contribution}
      excess_to: icb
    """
    pool = make(finance, rule, reserve="50000", budget_a="475000", budget_b="475000")
    spend(finance, pool, "A", 575000)  # +100,000
    spend(finance, pool, "B", 455000)  # -20,000
    close_year(finance, pool)
    out = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    # net 80,000; reserve 50,000; remaining 30,000 at 60:40
    assert out["reserve_drawn_pence"] == 5_000_000
    assert shares(out) == {"ICB": 18000, "Council": 12000}
    tx = LedgerTransaction.objects.get(kind="settlement")
    assert sum(p.amount_pence for p in tx.postings.all()) == 0


def test_rotherham_cap_binds(partners, finance):
    rule = """
    risk_share:
      method: pro_rata
      caps: {icb: contribution, council: contribution}
      excess_to: icb
    """
    pool = make(finance, rule, icb="900000", council="100000", budget_a="500000", budget_b="500000")
    spend(finance, pool, "A", 1_700_000)  # overspend 1,200,000; council 10% = 120,000 > cap 100,000
    spend(finance, pool, "B", 500_000)
    out = services.settle_pool(finance, pool, dry_run=True, today=AFTER_YEAR_END)
    assert shares(out) == {"ICB": 1_100_000, "Council": 100_000}


def test_transforming_care_fifty_fifty_on_excess_cost(partners, finance):
    rule = """
    risk_share:
      method: fixed
      shares: {icb: 50, council: 50}
      underspend: carry_forward
    """
    pool = make(finance, rule)
    spend(finance, pool, "A", 512_345)
    spend(finance, pool, "B", 500_000)
    out = services.settle_pool(finance, pool, dry_run=True, today=AFTER_YEAR_END)
    assert shares(out) == {"ICB": 6172.5, "Council": 6172.5}


def test_luton_fixed_share_host_bears_it(partners, finance):
    rule = """
    risk_share:
      method: fixed
      shares: {icb: 0, council: 100}
      underspend: return_by_share
    """
    pool = make(finance, rule)
    spend(finance, pool, "A", 530_000)
    spend(finance, pool, "B", 480_000)
    out = services.settle_pool(finance, pool, dry_run=True, today=AFTER_YEAR_END)
    assert shares(out) == {"ICB": 0, "Council": 10_000}


def test_herefordshire_no_risk_share(partners, finance):
    rule = """
    risk_share:
      method: none
    """
    pool = make(finance, rule)
    spend(finance, pool, "A", 530_000)  # council's scheme +30,000
    spend(finance, pool, "B", 480_000)  # icb's scheme -20,000
    close_year(finance, pool)
    out = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    assert shares(out) == {"ICB": -20_000, "Council": 30_000}


def test_underspend_carried_forward_is_posted(partners, finance):
    pool = make(finance, "risk_share: {method: pro_rata, underspend: carry_forward}\n")
    spend(finance, pool, "A", 400_000)
    spend(finance, pool, "B", 500_000)
    close_year(finance, pool)
    out = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    assert out["carried_forward_pence"] == 10_000_000
    cf = services.account_for(pool, AccountKind.CARRIED_FORWARD)
    assert sum(p.amount_pence for p in cf.postings.all()) == -10_000_000


def test_export_round_trips(pool, finance):
    text = agreement_file.export(pool)
    data = agreement_file.load(text)
    data["pool"]["financial_year"] = "2027-28"
    spec = agreement_file.parse(data)
    copy = services.create_pool(finance, spec)
    assert agreement_file.export(copy) == text.replace("2026-27", "2027-28")


def test_malformed_file_lists_every_problem(partners):
    bad = (
        AGREEMENT_YAML.replace("icb: 60, council: 40", "icb: 60, council: 30")
        .replace("excess_to: icb", "excess_to: nobody")
        .replace("financial_year: 2026-27", "financial_year: soon")
    )
    with pytest.raises(FieldError) as exc:
        agreement_file.parse(agreement_file.load(bad))
    fields = {e["field"] for e in exc.value.errors}
    assert {"schemes[0].funders", "risk_share.excess_to", "pool.financial_year"} <= fields
    with pytest.raises(FieldError, match="line"):
        agreement_file.load("pool: [unclosed")
