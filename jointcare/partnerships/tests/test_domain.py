"""The partnership rules, pure: the agreement's state machine and dates, parties, members, votes, meetings."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointcare.partnerships.domain import (
    AGREEMENT_ACTIONS,
    CLOSED,
    AgreementAction,
    AgreementStatus,
    MeetingStatus,
    action_error,
    actions_open,
    activation_problems,
    attendance_error,
    covers_financial_year,
    date_change_error,
    decision_meeting_error,
    meeting_status,
    membership_error,
    party_problems,
    status_on,
    uncovered_years_error,
    vote_error,
)

pytestmark = pytest.mark.domain

D = dt.date
TODAY = D(2026, 11, 29)

# The whole table, written out: (status on the day, action) -> the status it leads to.
ALLOWED = {
    ("draft", "start"): "active",
    ("draft", "terminate"): "terminated",
    ("active", "end"): "ended",
    ("active", "terminate"): "terminated",
}


@pytest.mark.parametrize(
    "status,action", list(itertools.product([s.value for s in AgreementStatus], [a.value for a in AgreementAction]))
)
def test_every_transition(status, action):
    """Each (status, action) pair: allowed exactly when the table lists it, with dates that permit it."""
    assert AGREEMENT_ACTIONS.get((AgreementStatus(status), AgreementAction(action))) == ALLOWED.get((status, action))
    problem = action_error(action, status, starts_on=D(2025, 4, 1), ends_on=None, today=TODAY, reason="Notice given")
    if (status, action) in ALLOWED:
        assert problem is None
    else:
        field, message = problem
        assert field == "status" and f"that is {status} cannot be" in message


def test_closed_statuses_offer_nothing_and_the_others_something():
    for status in AgreementStatus:
        assert (actions_open(status) == []) is (status in CLOSED)
    assert actions_open("draft") == ["start", "terminate"] and actions_open("active") == ["end", "terminate"]
    assert "cannot change any more" in action_error("start", "ended", starts_on=D(2025, 4, 1), ends_on=None, today=TODAY)[1]
    assert "can only be ended or terminated" in action_error(
        "start", "active", starts_on=D(2025, 4, 1), ends_on=None, today=TODAY
    )[1]
    assert action_error("pause", "active", starts_on=D(2025, 4, 1), ends_on=None, today=TODAY)[0] == "action"


def test_starting_before_the_start_date_is_refused_and_on_it_allowed():
    problem = action_error("start", "draft", starts_on=D(2026, 11, 30), ends_on=None, today=TODAY)
    assert problem == (
        "starts_on",
        "The agreement cannot start before its start date, 30 November 2026: start it on that day, or change the start date",
    )
    assert action_error("start", "draft", starts_on=TODAY, ends_on=None, today=TODAY) is None


def test_starting_after_the_end_date_is_refused():
    problem = action_error("start", "draft", starts_on=D(2025, 4, 1), ends_on=D(2026, 3, 31), today=TODAY)
    assert problem[0] == "ends_on" and "31 March 2026, has passed" in problem[1]
    assert action_error("start", "draft", starts_on=D(2025, 4, 1), ends_on=TODAY, today=TODAY) is None


def test_terminating_needs_a_reason():
    for reason in ("", "   "):
        problem = action_error("terminate", "active", starts_on=D(2025, 4, 1), ends_on=None, today=TODAY, reason=reason)
        assert problem == ("reason", "Enter the reason for terminating the agreement")
    assert action_error("end", "active", starts_on=D(2025, 4, 1), ends_on=None, today=TODAY) is None


def test_status_follows_the_dates_of_a_started_agreement():
    start, end = D(2025, 4, 1), D(2026, 3, 31)
    assert status_on("active", start, end, D(2026, 3, 31)) == "active"  # the end date is its last day
    assert status_on("active", start, end, D(2026, 4, 1)) == "ended"  # the demo's finding: not active after it
    assert status_on("active", start, None, D(2040, 1, 1)) == "active"
    assert status_on("active", start, end, D(2025, 3, 31)) == "draft"  # started early: not in force yet
    for stored in ("draft", "ended", "terminated"):
        assert status_on(stored, start, end, D(2030, 1, 1)) == stored


dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2060, 12, 31))


@given(stored=st.sampled_from(list(AgreementStatus)), start=dates, length=st.none() | st.integers(0, 4000), a=dates, b=dates)
def test_status_over_time(stored, start, length, a, b):
    """Properties of status_on: only a started agreement moves with the calendar, and only forward (not yet
    in force, then active, then ended, never back); a closed agreement stays closed."""
    end = None if length is None else start + dt.timedelta(days=length)
    early, late = sorted((a, b))
    order = [AgreementStatus.DRAFT, AgreementStatus.ACTIVE, AgreementStatus.ENDED]
    first, then = status_on(stored, start, end, early), status_on(stored, start, end, late)
    if stored != AgreementStatus.ACTIVE:
        assert first == then == stored
    else:
        assert order.index(first) <= order.index(then)
        assert (first == AgreementStatus.ACTIVE) is (start <= early and (end is None or early <= end))
    if first in CLOSED:
        assert then == first


def test_date_changes():
    assert date_change_error("draft", starts_on=D(2027, 4, 1), ends_on=None, today=TODAY) is None
    assert date_change_error("draft", starts_on=D(2027, 4, 1), ends_on=D(2027, 3, 31), today=TODAY)[0] == "ends_on"
    assert date_change_error("active", starts_on=D(2027, 4, 1), ends_on=None, today=TODAY)[0] == "starts_on"
    assert date_change_error("active", starts_on=D(2025, 4, 1), ends_on=D(2026, 3, 31), today=TODAY)[0] == "ends_on"
    assert date_change_error("active", starts_on=D(2025, 4, 1), ends_on=TODAY, today=TODAY) is None


def test_financial_years_within_the_agreement():
    assert covers_financial_year(D(2025, 4, 1), None, 2026)
    assert covers_financial_year(D(2025, 4, 1), D(2026, 3, 31), 2025)
    assert not covers_financial_year(D(2025, 4, 1), D(2026, 3, 31), 2026)  # the demo's 2026-27 pool
    assert not covers_financial_year(D(2025, 4, 2), None, 2025)
    assert not covers_financial_year(D(2025, 4, 1), D(2026, 3, 30), 2025)
    assert uncovered_years_error(D(2025, 4, 1), None, [2025, 2026]) is None
    field, message = uncovered_years_error(D(2025, 4, 1), D(2026, 3, 31), [2025, 2026])
    assert field == "ends_on" and "holds the 2026-27 pool" in message and "1 April 2026 to 31 March 2027" in message
    field, message = uncovered_years_error(D(2026, 4, 1), None, [2025, 2026])
    assert field == "starts_on" and "holds the 2025-26 pool" in message


@given(start=dates, length=st.none() | st.integers(0, 4000), year=st.integers(1999, 2061))
def test_a_covered_year_lies_between_the_dates(start, length, year):
    end = None if length is None else start + dt.timedelta(days=length)
    first, last = D(year, 4, 1), D(year + 1, 3, 31)
    covered = covers_financial_year(start, end, year)
    assert covered is all(status_on("active", start, end, day) == "active" for day in (first, last))


def test_meetings_in_the_future_are_scheduled():
    assert meeting_status(D(2026, 11, 30), TODAY) == MeetingStatus.SCHEDULED
    assert meeting_status(TODAY, TODAY) == MeetingStatus.HELD
    assert attendance_error(D(2026, 11, 30), TODAY)[0] == "attendees"
    assert attendance_error(TODAY, TODAY) is None
    field, message = decision_meeting_error(D(2026, 12, 10), TODAY)
    assert field == "meeting" and "10 December 2026 has not been held yet" in message
    assert decision_meeting_error(D(2026, 11, 1), TODAY) is None


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
