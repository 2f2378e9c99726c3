"""Whole-pool validation: one pure function, every problem at its key path."""

import datetime as dt
from fractions import Fraction

import pytest

from jointcare.money import MAX_AMOUNT_PENCE
from jointcare.pool import domain as d

pytestmark = pytest.mark.domain

NAMES = {1: "icb", 2: "council", 3: "trust"}


def draft(**changes) -> d.PoolDraft:
    base = dict(
        financial_year=2026,
        contributions=[d.ContributionDraft(1, 600), d.ContributionDraft(2, 400)],
        schemes=[d.SchemeDraft("A", 2, 500, [(1, 6000), (2, 4000)]), d.SchemeDraft("B", 1, 450)],
        rule=d.RiskRule(risk_reserve=50, caps={1: "contribution", 2: "contribution"}, excess_to=1),
        agreement_starts=dt.date(2026, 4, 1),
        names=NAMES,
    )
    base.update(changes)
    return d.PoolDraft(**base)


def paths(problems) -> set[str]:
    return {p.path for p in problems}


def test_a_valid_pool_has_no_problems():
    assert d.validate_pool(draft()) == []


def test_every_role_in_the_rule_must_be_a_contributing_partner():
    """Finding 4: excess_to, caps and a lead commissioner naming a partner that pays nothing were accepted."""
    rule = d.RiskRule(
        d.Method.FIXED,
        shares={1: Fraction(1, 2), 3: Fraction(1, 2)},
        caps={3: "contribution"},
        excess_to=3,
        risk_reserve=50,
    )
    problems = d.validate_pool(draft(rule=rule))
    assert paths(problems) == {"risk_share.shares.trust", "risk_share.caps.trust", "risk_share.excess_to"}
    assert "trust is named as taking the excess over caps but pays nothing" in " ".join(p.message for p in problems)
    lead = draft(
        rule=d.RiskRule(d.Method.LEAD_COMMISSIONER, risk_reserve=50),
        schemes=[d.SchemeDraft("A", 2, 500), d.SchemeDraft("B", 3, 450)],
    )
    assert paths(d.validate_pool(lead)) == {"schemes[1].lead"}


def test_an_aligned_only_partner_is_not_contributing():
    contributions = [d.ContributionDraft(1, 1000), d.ContributionDraft(2, 400, type="aligned")]
    problems = d.validate_pool(draft(contributions=contributions))
    assert {"risk_share.caps.council", "schemes[0].funders.council"} <= paths(problems)


def test_contributions_equal_budgets_plus_reserve():
    """Finding 4: a risk reserve larger than the pool was accepted, and settlement handed out money never paid
    in."""
    too_big = draft(rule=d.RiskRule(risk_reserve=2000))
    assert paths(d.validate_pool(too_big)) == {"pool.risk_reserve"}
    short = draft(contributions=[d.ContributionDraft(1, 600), d.ContributionDraft(2, 300)])
    problems = d.validate_pool(short)
    assert paths(problems) == {"contributions"}
    assert "add up to £9.00" in problems[0].message and "£10.00" in problems[0].message


def test_the_year_lies_within_the_agreement():
    """Finding 4: a 2026-27 pool was accepted under an agreement that starts in April 2027."""
    problems = d.validate_pool(draft(agreement_starts=dt.date(2027, 4, 1)))
    assert paths(problems) == {"pool.financial_year"}
    assert "not within the agreement, which runs from 1 April 2027" in problems[0].message
    assert paths(d.validate_pool(draft(agreement_ends=dt.date(2027, 3, 30)))) == {"pool.financial_year"}
    assert d.validate_pool(draft(agreement_ends=dt.date(2027, 3, 31))) == []


def test_amounts_are_whole_pence_within_bounds():
    """Finding 4: `budget: true` became £1.00."""
    bad = draft(
        schemes=[d.SchemeDraft("A", 2, True), d.SchemeDraft("B", 1, MAX_AMOUNT_PENCE + 1)],
        contributions=[d.ContributionDraft(1, 2**62), d.ContributionDraft(2, -5)],
    )
    assert paths(d.validate_pool(bad)) >= {
        "schemes[0].budget",
        "schemes[1].budget",
        "contributions[0].amount",
        "contributions[1].amount",
    }


def test_funders_codes_and_instalments():
    problems = d.validate_pool(
        draft(
            schemes=[d.SchemeDraft("A", 2, 500, [(1, 6000), (2, 3000)]), d.SchemeDraft("A", 1, 450)],
            contributions=[
                d.ContributionDraft(1, 600, schedule="custom", custom=[(1, 100), (13, 500)]),
                d.ContributionDraft(2, 400, schedule="custom", custom=[(1, 100)]),
            ],
        )
    )
    assert paths(problems) == {
        "schemes[0].funders",
        "schemes[1].code",
        "contributions[0].instalments.13",
        "contributions[1].instalments",
    }
