import itertools

import pytest

from jointcare.partnerships.domain import (
    AGREEMENT_TRANSITIONS,
    AgreementStatus,
    activation_problems,
    can_transition,
    membership_error,
    party_problems,
    transition_error,
    vote_error,
)

pytestmark = pytest.mark.domain

ALLOWED = {("draft", "active"), ("draft", "ended"), ("active", "ended")}


@pytest.mark.parametrize("current,new", list(itertools.product([s.value for s in AgreementStatus], repeat=2)))
def test_every_transition(current, new):
    assert can_transition(current, new) is ((current, new) in ALLOWED)
    assert (transition_error(current, new) is None) is ((current, new) in ALLOWED)


def test_the_table_has_every_status():
    assert set(AGREEMENT_TRANSITIONS) == set(AgreementStatus)


def test_transition_messages():
    assert "already active" in transition_error("active", "active")
    assert "cannot change any more" in transition_error("ended", "active")
    assert "can only become ended" in transition_error("active", "draft")
    assert "not a status" in transition_error("draft", "paused")


def test_pooled_fund_needs_exactly_one_host():
    assert party_problems("section_75_pooled_fund", [("host", "council"), ("member", "nhs")]) == []
    assert "exactly one host" in party_problems("section_75_pooled_fund", [("member", "nhs")])[0][1]
    assert "not 2" in party_problems("section_75_pooled_fund", [("host", "council"), ("host", "nhs")])[0][1]
    assert party_problems("duty_to_cooperate", []) == []
    assert "at most one host" in party_problems("duty_to_cooperate", [("host", "nhs"), ("host", "council")])[0][1]
    assert "lead commissioner" in party_problems("aligned_budgets", [("lead_commissioner", "nhs")] * 2)[0][1]


def test_activation_needs_two_parties_and_both_sectors_for_section_75():
    assert activation_problems("section_75_pooled_fund", [("host", "council"), ("member", "nhs")]) == []
    problems = activation_problems("section_75_pooled_fund", [("host", "council"), ("member", "council")])
    assert [f for f, _ in problems] == ["parties"] and "NHS bodies and councils" in problems[0][1]
    assert "at least two parties" in activation_problems("duty_to_cooperate", [("member", "nhs")])[0][1]
    problems = activation_problems("lead_commissioning", [("member", "nhs"), ("member", "council")])
    assert any("lead commissioner" in m for _, m in problems)


def test_membership_basis_rules():
    assert membership_error("elected_councillor", "council", True) is None
    assert membership_error("elected_councillor", "nhs", True)[0] == "basis"
    assert membership_error("appointed_by_nhs", "council", True)[0] == "basis"
    assert membership_error("appointed_by_nhs", "nhs", False)[0] == "organisation"
    assert membership_error("co_opted", "voluntary", False) is None
    assert membership_error("appointed_nationally", "nhs", True) is None


def test_votes():
    assert vote_error(3, 1, 0, None, 3) is None
    assert vote_error(-1, 0, 0, None, 3)[0] == "votes_for"
    assert "not quorate" in vote_error(2, 0, 0, 2, 3)[1]
    assert "only 3 voting members" in vote_error(3, 1, 0, 3, 3)[1]
    assert vote_error(2, 1, 0, 3, 3) is None
