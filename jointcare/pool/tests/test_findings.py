"""Issue 6, "The single pot through a real year": one test per finding (points 2 to 8), named after it.

Each reproduces what was found on the pool as it was, through the public services, and checks the behaviour
that replaced it. The pool of AGREEMENT_YAML is 2026-27; "today" is passed to the services where it matters.
"""

import datetime as dt
import textwrap

import pytest
from django.db import IntegrityError, connection, transaction

from jointcare.errors import Conflict, FieldError
from jointcare.money import MAX_AMOUNT_PENCE, MAX_BALANCE_PENCE
from jointcare.organisations.models import Organisation
from jointcare.pool import agreement_file, reports, services
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import LedgerTransaction, MonthlyBalance, Pool, Posting, Settlement
from jointcare.pool.tests.conftest import AFTER_YEAR_END, AGREEMENT_YAML, close_year

pytestmark = pytest.mark.django_db

IN_NOVEMBER = dt.date(2026, 11, 29)


def spend(pool, code):
    return services.account_for(pool, AccountKind.SPEND, scheme=pool.schemes.get(code=code))


def cash(pool):
    return services.account_for(pool, AccountKind.CASH)


def pay(pool, actor, key, code, day, amount, reason="invoice"):
    return services.post_transaction(
        actor, pool, key=key, value_date=day, reason=reason, postings=[(spend(pool, code), amount), (cash(pool), -amount)]
    )


def shares(outcome) -> dict:
    return {s["partner"]: s["amount_pence"] for s in outcome["shares"]}


# ----------------------------------------------------------------------------------------- 2. the year


def test_finding_2_future_months_cannot_be_closed(pool, finance):
    close_year(finance, pool, through=7, today=IN_NOVEMBER)  # April to October have ended
    with pytest.raises(Conflict, match="November 2026 has not ended"):
        services.close_period(finance, pool, 8, today=IN_NOVEMBER)
    with pytest.raises(Conflict, match="close November 2026 before December 2026"):
        services.close_period(finance, pool, 9, today=IN_NOVEMBER)
    assert pool.periods.filter(closed=True).count() == 7


def test_finding_2_the_year_cannot_be_settled_mid_year(pool, finance):
    """Closing April to February early in November let the year be settled mid-year, returning a £17.7m
    "underspend"."""
    for number in range(1, 12):
        try:
            services.close_period(finance, pool, number, today=IN_NOVEMBER)
        except Conflict:
            pass
    with pytest.raises(Conflict, match="close every month from April to February|settled from 1 April 2027"):
        services.settle_pool(finance, pool, today=IN_NOVEMBER)
    close_year(finance, pool, today=dt.date(2027, 3, 15))
    with pytest.raises(Conflict, match="settled from 1 April 2027"):
        services.settle_pool(finance, pool, today=dt.date(2027, 3, 31))
    assert not LedgerTransaction.objects.filter(kind="settlement").exists()


def test_finding_2_closing_march_before_settling_cannot_make_the_pool_unsettleable(pool, finance):
    close_year(finance, pool)
    with pytest.raises(Conflict, match="March closes when the risk share is settled"):
        services.close_period(finance, pool, 12, today=AFTER_YEAR_END)
    pay(pool, finance, "late", "REAB", dt.date(2027, 3, 20), 12345)  # March is still open for the last invoices
    services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    assert pool.periods.get(number=12).closed


def test_finding_2_a_settled_pool_is_locked(pool, finance):
    """After settlement March stayed open, so a later posting changed the live shares while the stored
    settlement stayed as it was; the settlement transaction could be reversed and nothing noticed."""
    pay(pool, finance, "a", "REAB", dt.date(2026, 6, 1), 600000)
    close_year(finance, pool)
    services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    pool.refresh_from_db()
    assert pool.status == "settled" and pool.settled_at is not None
    with pytest.raises(Conflict, match="closed|settled"):
        pay(pool, finance, "after", "REAB", dt.date(2027, 3, 31), 100)
    with pytest.raises(Conflict, match="settled and locked"):
        services.create_commitment(finance, pool.schemes.get(code="REAB"), dt.date(2027, 3, 1), 100, "care", "p")
    settlement_tx = LedgerTransaction.objects.get(kind="settlement")
    with pytest.raises(Conflict, match="only by reopening the pool"):
        services.reverse_transaction(finance, settlement_tx, "undo")
    assert services.available_actions(pool, AFTER_YEAR_END)["post"] is False


def test_finding_2_reopen_reverses_the_settlement_with_a_reason_and_settles_again(pool, finance):
    from jointcare.audit.models import AuditEntry

    pay(pool, finance, "a", "REAB", dt.date(2026, 6, 1), 600000)
    close_year(finance, pool)
    first = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    with pytest.raises(FieldError, match="give the reason"):
        services.reopen_pool(finance, pool, " ", today=AFTER_YEAR_END)
    services.reopen_pool(finance, pool, "Late invoice from the reablement provider", today=AFTER_YEAR_END)
    pool.refresh_from_db()
    assert pool.status == "reopened" and pool.settled_at is None and not pool.periods.get(number=12).closed
    old = Settlement.objects.get(pool=pool)
    assert old.reopen_reason == "Late invoice from the reablement provider" and old.reopened_by == finance
    assert old.reversal.reverses_id == old.transaction_id
    assert old.reversal.idempotency_key == f"reversal:{old.transaction_id}"
    partner_balances = MonthlyBalance.objects.filter(account__pool=pool, account__kind=AccountKind.PARTNER_BALANCE)
    assert all(mb.amount_pence == 0 for mb in partner_balances)
    assert AuditEntry.objects.filter(action="pool.reopen").count() == 1
    with pytest.raises(Conflict, match="already been reversed|reversal cannot"):
        services.reverse_transaction(finance, old.reversal, "again")
    pay(pool, finance, "late", "REAB", dt.date(2027, 3, 28), 100000)
    second = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    assert second["settlement"] == 2
    assert second["net_variance_pence"] == first["net_variance_pence"] + 100000
    assert Settlement.objects.filter(pool=pool).count() == 2
    assert services.settlement_in_force(pool).number == 2
    assert reports.partner_statements(pool)["statements"] == second["statements"]
    assert reports.ledger_check(pool) == []


# ----------------------------------------------------------------------------------------- 3. the figures

AWKWARD = textwrap.dedent(
    """
    pool:
      name: Awkward pennies
      agreement: Test Section 75
      financial_year: 2026-27
      host: council
      risk_reserve: 1000.01
    partners:
      icb: QZZ
      council: E06000099
      trust: RZZ
    contributions:
      - {partner: icb, amount: 10000.03, schedule: monthly}
      - {partner: council, amount: 7000.00, schedule: quarterly}
      - {partner: trust, amount: 1000.00, form: in_kind, schedule: custom, instalments: {1: 1000.00}}
      - {partner: council, amount: 500.00, type: aligned, form: in_kind, schedule: custom, instalments: {1: 500.00}}
    schemes:
      - {code: A, name: Reablement, service_area: reablement, lead: council, budget: 7000.01,
         funders: {icb: 33.33, council: 66.67}}
      - {code: B, name: Equipment, service_area: community_equipment, lead: icb, budget: 5000.00,
         funders: {icb: 50, council: 25, trust: 25}}
      - {code: C, name: Carers, service_area: carers, lead: council, budget: 5000.01}
    risk_share:
      method: pro_rata
    """
)


@pytest.fixture
def awkward(partners, finance):
    Organisation.objects.create(name="Test Trust", sector="nhs", kind="nhs_trust", ods_code="RZZ")
    pool = agreement_file.create_from_text(finance, AWKWARD)
    services.post_transactions_bulk(finance, pool, services.contribution_entries(pool, through=7), "contributions")
    amounts = {"A": [70001, 59999, 61234, 80007, 55555, 66667, 70003], "B": [41667, 40001, 0, 43333, 39999, 50005, 47777]}
    for code, months in amounts.items():
        for m, amount in enumerate(months):
            if amount:
                pay(pool, finance, f"{code}{m}", code, dt.date(2026, 4 + m, 3), amount)
    services.create_commitment(finance, pool.schemes.get(code="C"), dt.date(2026, 12, 1), 120001, "care", "c1")
    services.create_commitment(finance, pool.schemes.get(code="A"), dt.date(2027, 1, 1), 5, "care", "tiny")
    return pool


def test_finding_3_every_report_agrees_with_monitoring_to_the_penny(awkward, finance):
    """Pennies differed between screens: monthly budget, partner budget and money spent."""
    pool = awkward
    data = reports.monitoring(pool, today=IN_NOVEMBER)
    assert data["basis"] == "forecast" and data["through"] == 7
    total = data["total"].totals
    partners = {line.partner_id: line.totals for line in data["partners"]}
    # monitoring in itself: budgets phase to the penny, schemes and partners add up to the pool, month by month
    for attr in ("budget", "commitments", "actuals", "forecast"):
        for m in range(12):
            assert sum(getattr(s, attr)[m] for s in data["schemes"]) == getattr(data["total"], attr)[m]
            assert sum(getattr(p, attr)[m] for p in data["partners"]) == getattr(data["total"], attr)[m]
    for line, scheme in zip(data["schemes"], pool.schemes.all(), strict=True):
        assert sum(line.budget) == scheme.budget_pence
    assert total["budget"] == sum(s.budget_pence for s in pool.schemes.all())
    # partner statements in year: money spent is each partner's share of the forecast outturn
    statements = reports.partner_statements(pool, IN_NOVEMBER)
    assert statements["basis"] == "forecast" and statements["provisional"]
    spent = {s["partner_id"]: s["money_spent_pence"] for s in statements["statements"]}
    assert spent == {pid: t["forecast"] for pid, t in partners.items()}
    assert sum(spent.values()) == total["forecast"]
    # the settlement preview shares the same outturn
    preview = services.preview_settlement(pool, IN_NOVEMBER)
    assert preview["net_variance_pence"] == total["forecast"] - total["budget"]
    # the year-end summary: a partner's budget and spend shares, each once
    headers, rows = reports.year_end_by_source(pool, through=7)
    by_name = {r[0]: dict(zip(headers, r, strict=True)) for r in rows}
    names = {line.partner_id: line.name for line in data["partners"]}
    for pid, t in partners.items():
        assert by_name[names[pid]]["Share of budgets"] == t["budget"]
        assert by_name[names[pid]]["Share of actual spend"] == t["actuals"]
    assert sum(r["Share of budgets"] for r in by_name.values()) == total["budget"]
    assert sum(r["Share of actual spend"] for r in by_name.values()) == total["actuals"]
    # quarterly report and the monitoring table add up to the same totals
    headers, rows = reports.quarterly(pool, through=7)
    all_rows = [r for r in rows if r[0] == "All schemes"]
    assert sum(r[2] for r in all_rows) == total["budget"] and sum(r[4] for r in all_rows) == total["actuals"]
    assert sum(r[5] for r in all_rows) == total["forecast"]
    headers, rows = reports.monitoring_table(data)
    year = next(r for r in rows if r[0] == "pool" and r[2] == "Year")
    assert (year[3], year[5], year[6]) == (total["budget"], total["actuals"], total["forecast"])
    # after the year, settled: the stored statements' money spent is the partners' actual spend
    close_year(finance, pool)
    done = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    after = reports.monitoring(pool, today=AFTER_YEAR_END)
    settled = {s["partner_id"]: s["money_spent_pence"] for s in done["statements"]}
    assert settled == {line.partner_id: line.totals["actuals"] for line in after["partners"]}
    assert after["total"].totals["forecast"] == after["total"].totals["actuals"]


def test_finding_3_the_pool_month_is_not_a_penny_off(awkward):
    """The monthly budget of a £17,700,000.00 pool showed £1,475,000.02: each scheme's spare pennies piled up in
    April."""
    data = reports.monitoring(awkward, through=0)
    total = sum(s.budget_pence for s in awkward.schemes.all())  # £17,000.02 in three schemes
    assert data["total"].budget == [total // 12 + (1 if m < total % 12 else 0) for m in range(12)]
    assert max(data["total"].budget) - min(data["total"].budget) <= 1


def test_finding_3_in_year_statements_and_preview_use_the_forecast_outturn(pool, finance):
    """In year, statements and the settle preview took actuals to date as the outturn (a £7.4m underspend in
    the demo) while monitoring forecast an overspend."""
    for m in range(7):
        pay(pool, finance, f"r{m}", "REAB", dt.date(2026, 4 + m, 2), 50000)  # £500 a month on a £5,000 budget
    preview = services.settle_pool(finance, pool, dry_run=True, today=IN_NOVEMBER)
    assert preview["provisional"] and preview["basis"] == "forecast"
    data = reports.monitoring(pool, today=IN_NOVEMBER)
    assert preview["net_variance_pence"] == data["total"].totals["variance"]
    assert preview["net_variance_pence"] == 12 * 50000 - 500000 + (0 - 450000)  # REAB run rate; EQUIP nothing
    statement = reports.partner_statements(pool, IN_NOVEMBER)
    assert sum(s["money_spent_pence"] for s in statement["statements"]) == 12 * 50000


def test_finding_3_year_end_summary_shows_each_partner_once(pool):
    """The year-end summary repeated a partner's budget and spend shares on each of its contribution rows
    (£25.61m of "share of budgets" against £17.70m of budgets)."""
    from jointcare.pool.models import Contribution

    council = pool.contributions.get(partner__gss_code="E06000099").partner
    Contribution.objects.create(
        pool=pool, partner=council, amount_pence=100, type="aligned", form="in_kind", schedule="custom", instalments={"1": 100}
    )
    headers, rows = reports.year_end_by_source(pool)
    assert [r[0] for r in rows].count("Test Council") == 1
    assert sum(r[headers.index("Share of budgets")] for r in rows) == 950000
    council_row = next(r for r in rows if r[0] == "Test Council")
    assert council_row[headers.index("Aligned")] == 100 and council_row[headers.index("Pooled cash")] == 400000


# ----------------------------------------------------------------------------------------- 4. validation


def refused_paths(text) -> set[str]:
    with pytest.raises(FieldError) as refused:
        agreement_file.create_from_text(None, text)
    return {e["field"] for e in refused.value.errors}


@pytest.fixture
def outsider(partners):
    return Organisation.objects.create(name="Outside Housing Trust", sector="voluntary", kind="housing", ods_code="HZZ")


def test_finding_4_roles_naming_a_partner_that_pays_nothing_are_refused_at_creation(partners, outsider):
    text = AGREEMENT_YAML.replace("  council: E06000099\n", "  council: E06000099\n  housing: HZZ\n")
    assert refused_paths(text.replace("excess_to: icb", "excess_to: housing")) == {"risk_share.excess_to"}
    assert refused_paths(text.replace("caps: {icb: contribution,", "caps: {housing: contribution,")) == {
        "risk_share.caps.housing"
    }
    lead = text.replace("method: pro_rata", "method: lead_commissioner").replace(
        "lead: icb, budget: 4500.00", "lead: housing, budget: 4500.00"
    )
    assert refused_paths(lead) == {"schemes[1].lead"}
    assert not Pool.objects.exists()


def test_finding_4_a_risk_reserve_larger_than_the_pool_is_refused(partners):
    assert refused_paths(AGREEMENT_YAML.replace("risk_reserve: 500.00", "risk_reserve: 50000.00")) == {
        "pool.risk_reserve"
    }
    assert refused_paths(AGREEMENT_YAML.replace("amount: 4000.00", "amount: 3999.99")) == {"contributions"}


def test_finding_4_a_pool_outside_the_agreements_dates_is_refused(partners):
    from jointcare.partnerships.models import Agreement

    Agreement.objects.filter(name="Test Section 75").update(starts_on=dt.date(2027, 4, 1))
    assert refused_paths(AGREEMENT_YAML) == {"pool.financial_year"}


def test_finding_4_budget_true_is_refused_not_one_pound(partners):
    assert refused_paths(AGREEMENT_YAML.replace("budget: 5000.00", "budget: true")) == {"schemes[0].budget"}
    huge = AGREEMENT_YAML.replace("budget: 5000.00", f"budget: {2**62}")
    assert "schemes[0].budget" in refused_paths(huge)


def test_finding_4_the_service_validates_too(partners, outsider, finance):
    spec = agreement_file.parse(agreement_file.load(AGREEMENT_YAML))
    spec.excess_to = outsider
    with pytest.raises(FieldError) as refused:
        services.create_pool(finance, spec)
    assert refused.value.errors == [
        {"field": "risk_share.excess_to", "message": refused.value.errors[0]["message"]}
    ]
    assert "HZZ" in refused.value.errors[0]["message"]


# ----------------------------------------------------------------------------------------- 5. round trip


def test_finding_5_fixed_shares_of_a_third_round_trip_exactly(partners, finance):
    Organisation.objects.create(name="Test Trust", sector="nhs", kind="nhs_trust", ods_code="RZZ")
    text = (
        AGREEMENT_YAML.replace("  council: E06000099\n", "  council: E06000099\n  trust: RZZ\n")
        .replace("amount: 4000.00", "amount: 3000.00")
        .replace("    schedule: monthly}\n", "    schedule: monthly}\n  - {partner: trust, amount: 1000.00}\n")
        .replace("method: pro_rata", "method: fixed\n  shares: {icb: 100/3, council: 100/3, trust: 100/3}")
    )
    text = text.replace("schedule: monthly}\n", "schedule: monthly}\n  - {partner: trust, amount: 1000.00}\n", 1)
    pool = agreement_file.create_from_text(finance, text)
    exported = agreement_file.export(pool)
    assert "33.333333333333336" not in exported and "100/3" in exported
    data = agreement_file.load(exported)
    data["pool"]["financial_year"] = "2027-28"
    copy = services.create_pool(finance, agreement_file.parse(data))
    assert agreement_file.export(copy) == exported.replace("2026-27", "2027-28")


def test_finding_5_exporting_a_pool_whose_excess_to_pays_nothing_does_not_crash(pool, outsider):
    Pool.objects.filter(pk=pool.pk).update(excess_to=outsider)  # as such pools were stored before validation
    pool.refresh_from_db()
    exported = agreement_file.export(pool)
    assert "excess_to: hzz" in exported and "hzz: HZZ" in exported
    data = agreement_file.load(exported)
    data["pool"]["financial_year"] = "2027-28"
    with pytest.raises(FieldError) as refused:
        agreement_file.parse(data)
    assert {e["field"] for e in refused.value.errors} == {"risk_share.excess_to"}


# ----------------------------------------------------------------------------------------- 6. identity


def test_finding_6_two_organisations_with_the_same_name_are_not_merged(partners, finance):
    twin = Organisation.objects.create(name="Test Council", sector="council", kind="district_council", gss_code="E07000099")
    text = (
        AGREEMENT_YAML.replace("  council: E06000099\n", "  council: E06000099\n  twin: E07000099\n")
        .replace("amount: 4000.00", "amount: 3000.00")
        .replace("schedule: monthly}\n", "schedule: monthly}\n  - {partner: twin, amount: 1000.00}\n", 1)
    )
    pool = agreement_file.create_from_text(finance, text)
    pay(pool, finance, "over", "REAB", dt.date(2026, 6, 1), 700000)
    close_year(finance, pool)
    out = services.settle_pool(finance, pool, today=AFTER_YEAR_END)
    by_id = {s["partner_id"]: s["amount_pence"] for s in out["shares"]}
    council = partners["council"]
    assert set(by_id) == {partners["icb"].pk, council.pk, twin.pk}
    assert by_id[council.pk] == 3 * by_id[twin.pk]  # 3,000 against 1,000 pooled
    statements = {s["partner_id"]: s for s in out["statements"]}
    assert statements[council.pk]["contribution_due_pence"] == 300000
    assert statements[twin.pk]["contribution_due_pence"] == 100000
    names = [line.name for line in reports.monitoring(pool)["partners"]]
    assert names.count("Test Council") == 2


# ----------------------------------------------------------------------------------------- 7. idempotency


def test_finding_7_a_key_reused_with_another_payload_is_a_conflict(pool, finance):
    first = pay(pool, finance, "inv-1", "REAB", dt.date(2026, 5, 3), 12345)
    assert pay(pool, finance, "inv-1", "REAB", dt.date(2026, 5, 3), 12345).pk == first.pk
    for changed in (
        dict(amount=12346),
        dict(day=dt.date(2026, 5, 4)),
        dict(code="EQUIP"),
        dict(reason="another invoice"),
    ):
        args = {"code": "REAB", "day": dt.date(2026, 5, 3), "amount": 12345, "reason": "invoice", **changed}
        with pytest.raises(Conflict, match="already used for transaction") as refused:
            pay(pool, finance, "inv-1", args["code"], args["day"], args["amount"], args["reason"])
        assert refused.value.status == 409 and refused.value.field == "key"
    entries = [services.Entry("inv-1", dt.date(2026, 5, 3), [(spend(pool, "REAB").pk, 1), (cash(pool).pk, -1)], "x")]
    with pytest.raises(Conflict, match="already used"):
        services.post_transactions_bulk(finance, pool, entries, "t")
    assert LedgerTransaction.objects.count() == 1


def test_finding_7_reversal_keys_are_derived_from_the_transaction_not_cut_short(pool, finance):
    """Reversal keys were cut to 120 characters, so reversing one transaction could return another's reversal."""
    stem = "x" * 115
    a = pay(pool, finance, stem + "-a", "REAB", dt.date(2026, 5, 3), 100)
    b = pay(pool, finance, stem + "-b", "REAB", dt.date(2026, 5, 3), 200)
    ra = services.reverse_transaction(finance, a, "wrong")
    rb = services.reverse_transaction(finance, b, "wrong")
    assert (ra.reverses_id, rb.reverses_id) == (a.pk, b.pk)
    assert (ra.idempotency_key, rb.idempotency_key) == (f"reversal:{a.pk}", f"reversal:{b.pk}")
    assert MonthlyBalance.objects.get(account=spend(pool, "REAB"), period__number=2).amount_pence == 0


# ----------------------------------------------------------------------------------------- 8. forecast, receipts


def test_finding_8_a_small_commitment_does_not_replace_the_run_rate(pool, finance):
    pay(pool, finance, "a", "EQUIP", dt.date(2026, 4, 3), 10000)
    pay(pool, finance, "b", "EQUIP", dt.date(2026, 5, 3), 10000)
    services.create_commitment(finance, pool.schemes.get(code="EQUIP"), dt.date(2026, 6, 1), 500, "care", "p")
    equip = next(s for s in reports.monitoring(pool, through=2)["schemes"] if s.key == "EQUIP")
    assert equip.forecast[2] == 10000
    assert equip.totals["forecast"] == 12 * 10000


def test_finding_8_an_instalment_is_received_once(pool, finance):
    icb = pool.contributions.get(partner__ods_code="QZZ")  # quarterly: 1500.00 in April, July, October, January
    first = services.receive_contribution(finance, icb, 1, dt.date(2026, 4, 2))
    assert services.receive_contribution(finance, icb, 1, dt.date(2026, 4, 2)).pk == first.pk
    with pytest.raises(Conflict, match="instalment 1 of Test ICB's contribution has already been received"):
        services.receive_contribution(finance, icb, 1, dt.date(2026, 4, 9))
    with pytest.raises(FieldError, match="not in the schedule"):
        services.receive_contribution(finance, icb, 2, dt.date(2026, 5, 2))
    services.reverse_transaction(finance, first, "paid into the wrong account")
    again = services.receive_contribution(finance, icb, 1, dt.date(2026, 4, 9), 140000)
    assert again.idempotency_key == f"contribution:{icb.pk}:1:2"
    services.receive_contribution(finance, icb, 4, dt.date(2026, 7, 1))
    schedule = services.contributions_schedule(pool, today=dt.date(2026, 11, 29))
    rows = {(r["partner"], r["instalment"]): r for r in schedule["instalments"]}
    assert rows[("Test ICB", 1)]["received_pence"] == 140000 and rows[("Test ICB", 1)]["arrears_pence"] == 10000
    assert rows[("Test ICB", 4)]["arrears_pence"] == 0
    assert rows[("Test ICB", 7)]["received_pence"] == 0 and rows[("Test ICB", 7)]["arrears_pence"] == 150000
    assert rows[("Test ICB", 10)]["arrears_pence"] == 0  # due in January: not yet due
    icb_total = next(p for p in schedule["partners"] if p["partner"] == "Test ICB")
    assert (icb_total["due_to_date_pence"], icb_total["received_pence"], icb_total["arrears_pence"]) == (
        450000,
        290000,
        160000,
    )
    council = next(p for p in schedule["partners"] if p["partner"] == "Test Council")
    assert council["due_to_date_pence"] == 8 * 33333 + 4 and council["arrears_pence"] == council["due_to_date_pence"]


# ----------------------------------------------------------------------------------------- money bounds


def test_two_to_the_62_pence_posted_twice_is_refused_cleanly(pool, finance):
    """2**62 pence posted twice overflowed SQLite's integer balance into a float."""
    for _ in range(2):
        with pytest.raises(FieldError, match="more than the largest amount allowed") as refused:
            pay(pool, finance, "huge", "REAB", dt.date(2026, 5, 3), 2**62)
        assert refused.value.field == "postings"
    with pytest.raises(FieldError):
        services.create_commitment(finance, pool.schemes.get(code="REAB"), dt.date(2026, 5, 3), 2**62, "care", "p")
    assert not Posting.objects.exists()


def test_a_monthly_balance_beyond_the_bound_is_refused_cleanly(pool, finance):
    s, c = spend(pool, "REAB").pk, cash(pool).pk
    day = dt.date(2026, 5, 3)
    full = [services.Entry(f"m{i}", day, [(s, MAX_AMOUNT_PENCE), (c, -MAX_AMOUNT_PENCE)], "max") for i in range(100)]
    services.post_transactions_bulk(finance, pool, full, "t")
    assert MonthlyBalance.objects.get(account_id=s, period__number=2).amount_pence == MAX_BALANCE_PENCE
    with pytest.raises(FieldError, match="beyond the largest allowed"):
        services.post_transactions_bulk(finance, pool, [services.Entry("one-more", day, [(s, 1), (c, -1)], "x")], "t")
    too_many = [services.Entry(f"n{i}", day, [(s, MAX_AMOUNT_PENCE), (c, -MAX_AMOUNT_PENCE)], "x") for i in range(101)]
    with pytest.raises(FieldError, match="more than the largest balance allowed"):
        services.post_transactions_bulk(finance, pool, too_many, "t")
    assert Posting.objects.count() == 200
    assert reports.ledger_check(pool) == []


@pytest.mark.parametrize("table", ["posting", "monthlybalance"])
def test_the_database_refuses_amounts_beyond_the_bounds(pool, finance, table):
    tx = pay(pool, finance, "a", "REAB", dt.date(2026, 5, 3), 100)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        if table == "posting":
            cur.execute(
                "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (%s, %s, %s, %s)",
                [tx.pk, spend(pool, "REAB").pk, tx.period_id, 2**62],
            )
        else:
            cur.execute("UPDATE pool_monthlybalance SET amount_pence = %s WHERE account_id = %s", [MAX_BALANCE_PENCE + 1, cash(pool).pk])
