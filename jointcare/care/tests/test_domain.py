"""Pure rules of integrated care: the referral transition table, routing, eligibility, the CHC Checklist."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcare.care.domain import chc, coordination, eligibility, referrals, routing
from jointcare.care.domain.referrals import ReferralAction as A
from jointcare.care.domain.referrals import ReferralStatus as S
from jointcare.care.domain.vocabulary import DECLINE_OUTCOMES, REQUEST_OUTCOMES, EventOutcome, RouteOfAccess

pytestmark = pytest.mark.domain

REASON = "Lives outside the team's area"

# --- transitions -----------------------------------------------------------------------------------------

# Every (status, action) pair, written out by hand: the table must say exactly this.
EXPECTED = {
    (S.UNCLAIMED, A.CLAIM): S.CLAIMED,
    (S.UNCLAIMED, A.REASSIGN): S.UNCLAIMED,
    (S.UNCLAIMED, A.DECLINE): S.DECLINED,
    (S.CLAIMED, A.CONTACT): S.CONTACTED,
    (S.CLAIMED, A.REASSIGN): S.UNCLAIMED,
    (S.CLAIMED, A.DECLINE): S.DECLINED,
    (S.CONTACTED, A.CLOSE): S.CLOSED,
    (S.CONTACTED, A.REASSIGN): S.UNCLAIMED,
}


def _kwargs(action):
    if action is A.CLOSE:
        return {"outcome": EventOutcome.PROGRESS_REABLEMENT.value}
    if action is A.DECLINE:
        return {"outcome": EventOutcome.NFA_OTHER_LA_SERVICE.value, "reason": REASON}
    if action is A.REASSIGN:
        return {"reason": REASON}
    return {}


@pytest.mark.parametrize("status,action", list(itertools.product(S, A)))
def test_every_status_and_action(status, action):
    if (status, action) in EXPECTED:
        assert referrals.next_status(status, action, **_kwargs(action)) is EXPECTED[(status, action)]
        assert action in referrals.actions_open(status)
    else:
        with pytest.raises(referrals.TransitionError) as exc:
            referrals.next_status(status, action, **_kwargs(action))
        assert exc.value.field == "status"
        assert status.label.lower() in exc.value.message
        assert action not in referrals.actions_open(status)


def test_final_statuses_allow_nothing():
    for status in referrals.FINAL:
        assert referrals.actions_open(status) == []
        with pytest.raises(referrals.TransitionError, match="it is final"):
            referrals.next_status(status, A.CLAIM)


@pytest.mark.parametrize("action", [A.REASSIGN, A.DECLINE])
@pytest.mark.parametrize("reason", ["", "   ", "too short"])
def test_reassign_and_decline_need_a_reason(action, reason):
    kwargs = {**_kwargs(action), "reason": reason}
    with pytest.raises(referrals.TransitionError) as exc:
        referrals.next_status(S.CLAIMED, action, **kwargs)
    assert exc.value.field == "reason"


def test_close_needs_a_request_outcome():
    with pytest.raises(referrals.TransitionError) as exc:
        referrals.next_status(S.CONTACTED, A.CLOSE)
    assert exc.value.field == "outcome"
    with pytest.raises(referrals.TransitionError, match="not a CLD event outcome"):
        referrals.next_status(S.CONTACTED, A.CLOSE, outcome="went home")
    with pytest.raises(referrals.TransitionError, match="cannot end this referral"):
        referrals.next_status(S.CONTACTED, A.CLOSE, outcome=EventOutcome.CONTINUATION.value)
    for outcome in REQUEST_OUTCOMES:
        assert referrals.next_status(S.CONTACTED, A.CLOSE, outcome=outcome.value) is S.CLOSED


def test_decline_needs_a_no_further_action_outcome():
    with pytest.raises(referrals.TransitionError, match="cannot end this referral"):
        referrals.next_status(S.CLAIMED, A.DECLINE, outcome=EventOutcome.PROGRESS_REABLEMENT.value, reason=REASON)
    assert all(o.label.startswith("NFA") for o in DECLINE_OUTCOMES)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list(A)), max_size=12))
def test_any_sequence_of_actions_stays_inside_the_table(actions):
    status = S.UNCLAIMED
    for action in actions:
        try:
            new = referrals.next_status(status, action, **_kwargs(action))
        except referrals.TransitionError:
            assert (status, action) not in EXPECTED
            continue
        assert EXPECTED[(status, action)] is new
        status = new
    assert status in S


def test_waits_and_their_words():
    received = dt.datetime(2026, 4, 1, 9, 0)
    waits = referrals.waits(received, dt.datetime(2026, 4, 3, 12, 30), None)
    assert waits.to_first_contact == dt.timedelta(days=2, hours=3, minutes=30)
    assert waits.to_first_service is None
    assert referrals.duration_words(waits.to_first_contact) == "2 days 3 hours"
    assert referrals.duration_words(dt.timedelta(minutes=45)) == "45 minutes"
    assert referrals.duration_words(dt.timedelta(hours=1)) == "1 hour"
    assert referrals.duration_words(dt.timedelta(0)) == "0 minutes"
    assert referrals.duration_words(None) == "Not yet"


# --- routing ---------------------------------------------------------------------------------------------

TRAFFORD, SALFORD = "E08000009", "E08000006"
HD, COMMUNITY = RouteOfAccess.HOSPITAL_DISCHARGE.value, RouteOfAccess.COMMUNITY.value
RULES = [
    routing.Rule(team_id=1, route=HD, council=TRAFFORD),  # Trafford reablement
    routing.Rule(team_id=2, route=None, council=TRAFFORD),  # Trafford neighbourhood team: anything else
    routing.Rule(team_id=3, route=HD, council=None),  # hospital discharge hub for everyone else
    routing.Rule(team_id=9, route=None, council=None),  # default
]


@pytest.mark.parametrize(
    "route,council,team",
    [(HD, TRAFFORD, 1), (COMMUNITY, TRAFFORD, 2), (HD, SALFORD, 3), (COMMUNITY, SALFORD, 9), (HD, None, 3), (COMMUNITY, None, 9)],
)
def test_the_most_specific_rule_wins(route, council, team):
    assert routing.route(RULES, route, council).team_id == team


def test_rule_order_does_not_matter():
    for order in itertools.permutations(RULES):
        assert routing.route(order, HD, TRAFFORD).team_id == 1


def test_the_default_team_is_named_in_the_explanation():
    assert routing.route(RULES, COMMUNITY, SALFORD).explanation == "Routed by the default team"
    assert "discharge from hospital, residents of E08000009" in routing.route(RULES, HD, TRAFFORD).explanation


def test_no_rule_is_a_clear_error():
    with pytest.raises(routing.NoRoute) as exc:
        routing.route(RULES[:1], COMMUNITY, SALFORD)
    assert "community / other route referrals for residents of E08000006" in exc.value.message
    assert "default team" in exc.value.message
    with pytest.raises(routing.NoRoute, match="no responsible council recorded"):
        routing.route(RULES[:1], HD, None)


def test_clashing_rules_are_found():
    assert routing.clashes(RULES, routing.Rule(team_id=5, route=HD, council=TRAFFORD)) == [RULES[0]]
    assert routing.clashes(RULES, routing.Rule(team_id=5, route=COMMUNITY, council=TRAFFORD)) == []


# --- eligibility -----------------------------------------------------------------------------------------

ADULT = list(eligibility.AdultOutcome)
CARER = list(eligibility.CarerOutcome)
Ab = eligibility.Ability


def adult_answers(unable: int, impairment=True, wellbeing=True, way=Ab.ONLY_WITH_ASSISTANCE):
    outcomes = {o.value: (way if i < unable else Ab.ACHIEVES).value for i, o in enumerate(ADULT)}
    return {"impairment": impairment, "wellbeing": wellbeing, "outcomes": outcomes}


@pytest.mark.parametrize("impairment", [True, False])
@pytest.mark.parametrize("wellbeing", [True, False])
@pytest.mark.parametrize("unable", [0, 1, 2, 3, 10])
def test_adult_eligibility_needs_all_three_conditions(impairment, wellbeing, unable):
    decision = eligibility.adult(adult_answers(unable, impairment, wellbeing))
    assert decision.eligible == (impairment and wellbeing and unable >= 2)
    assert len(decision.unable) == unable
    lines = decision.lines
    assert lines[0].endswith("met." if impairment else "not met.") and lines[0].startswith("Condition 1")
    assert lines[1].startswith("Condition 2") and f"({unable} of 10 not achieved)" in lines[1]
    assert ("not met" in lines[1]) == (unable < 2)
    assert len([line for line in lines if line.startswith("Not achieved:")]) == unable
    assert lines[-2].startswith("Condition 3") and ("not met" in lines[-2]) == (not wellbeing)
    if decision.eligible:
        assert lines[-1] == "The adult has eligible needs: all three conditions are met."
    else:
        failed = [n for n, met in ((1, impairment), (2, unable >= 2), (3, wellbeing)) if not met]
        for n in failed:
            assert str(n) in lines[-1]
        assert lines[-1].startswith("The adult does not have eligible needs")


@pytest.mark.parametrize("way", [a for a in Ab if a is not Ab.ACHIEVES])
def test_each_way_of_not_achieving_counts_and_is_explained(way):
    decision = eligibility.adult(adult_answers(2, way=way))
    assert decision.eligible
    assert f"Not achieved: {ADULT[0].label} ({way.label.lower()})." in decision.lines


def test_the_verdict_names_every_failed_condition():
    decision = eligibility.adult(adult_answers(1, impairment=False, wellbeing=False))
    assert decision.lines[-1] == "The adult does not have eligible needs: conditions 1, 2 and 3 are not met."
    decision = eligibility.adult(adult_answers(3, impairment=False))
    assert decision.lines[-1] == "The adult does not have eligible needs: condition 1 is not met."


def test_adult_answers_missing_or_wrong_name_the_field():
    answers = adult_answers(2)
    del answers["outcomes"]["toilet"]
    with pytest.raises(eligibility.EligibilityError) as exc:
        eligibility.adult(answers)
    assert exc.value.field == "outcomes.toilet"
    with pytest.raises(eligibility.EligibilityError) as exc:
        eligibility.adult({**adult_answers(2), "impairment": None})
    assert exc.value.field == "impairment"
    with pytest.raises(eligibility.EligibilityError, match="not one of the outcomes"):
        eligibility.adult({**adult_answers(2), "outcomes": {**adult_answers(2)["outcomes"], "gardening": "achieves"}})


def carer_answers(unable: int, necessary=True, health=False, wellbeing=True):
    outcomes = {o.value: (Ab.SIGNIFICANT_PAIN if i < unable else Ab.ACHIEVES).value for i, o in enumerate(CARER)}
    return {"necessary_care": necessary, "health_at_risk": health, "wellbeing": wellbeing, "outcomes": outcomes}


@pytest.mark.parametrize("necessary", [True, False])
@pytest.mark.parametrize("health", [True, False])
@pytest.mark.parametrize("unable", [0, 1, 8])
@pytest.mark.parametrize("wellbeing", [True, False])
def test_carer_eligibility(necessary, health, unable, wellbeing):
    decision = eligibility.carer(carer_answers(unable, necessary, health, wellbeing))
    # one outcome is enough for a carer (two are needed for the adult), or health at risk with none
    assert decision.eligible == (necessary and (health or unable >= 1) and wellbeing)
    assert f"{unable} of 8 not achieved" in decision.lines[1]
    assert decision.lines[-1].startswith("The carer has eligible needs" if decision.eligible else "The carer does not")


def test_carer_field_names_are_prefixed():
    with pytest.raises(eligibility.EligibilityError) as exc:
        eligibility.carer({"necessary_care": True})
    assert exc.value.field == "carer.health_at_risk"


# --- continuing healthcare checklist -------------------------------------------------------------------

D = chc.Domain
NON_PRIORITY = [d for d in D if d not in chc.PRIORITY_DOMAINS]


def scores(a=(), b=()):
    return {d.value: ("A" if d in a else "B" if d in b else "C") for d in D}


@pytest.mark.parametrize(
    "a,b,needed",
    [
        ((), (), False),
        (NON_PRIORITY[:1], (), False),  # one A, not a priority domain
        (NON_PRIORITY[:2], (), True),  # two As
        ((), NON_PRIORITY[:4], False),  # four Bs
        ((), NON_PRIORITY[:5], True),  # five Bs
        (NON_PRIORITY[:1], NON_PRIORITY[1:4], False),  # one A, three Bs
        (NON_PRIORITY[:1], NON_PRIORITY[1:5], True),  # one A, four Bs
        ([D.BEHAVIOUR], (), True),
        ([D.BREATHING], (), True),
        ([D.DRUGS], (), True),
        ([D.CONSCIOUSNESS], (), True),
        ((), [D.BEHAVIOUR, D.BREATHING, D.DRUGS, D.CONSCIOUSNESS], False),  # priority Bs are just Bs
    ],
)
def test_checklist_thresholds(a, b, needed):
    result = chc.checklist(scores(a, b))
    assert result.full_assessment is needed
    assert (result.a_count, result.b_count) == (len(a), len(b))
    assert result.lines[0] == f"{len(a)} domain{'s' if len(a) != 1 else ''} scored A and {len(b)} scored B."
    assert result.lines[-1].endswith("is needed." if needed else "is not needed.")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(chc.SCORES), min_size=11, max_size=11))
def test_checklist_rule_against_a_second_reading(values):
    given_scores = {d.value: v for d, v in zip(D, values, strict=True)}
    a, b = values.count("A"), values.count("B")
    priority = any(v == "A" and d in chc.PRIORITY_DOMAINS for d, v in zip(D, values, strict=True))
    expected = a >= 2 or b >= 5 or (a == 1 and b >= 4) or priority
    assert chc.checklist(given_scores).full_assessment is expected


def test_checklist_refuses_missing_and_wrong_scores():
    partial = scores()
    del partial["skin"]
    with pytest.raises(chc.ChecklistError) as exc:
        chc.checklist(partial)
    assert exc.value.field == "chc.skin"
    with pytest.raises(chc.ChecklistError) as exc:
        chc.checklist({**scores(), "mobility": "D"})
    assert exc.value.field == "chc.mobility"
    assert chc.checklist({**scores(), "mobility": " a "}).a_count == 1  # tolerant of case and spaces


@pytest.mark.parametrize(
    "a,b,decision,route",
    [
        ((), (), None, chc.FundingRoute.COUNCIL),
        ((), NON_PRIORITY[:2], None, chc.FundingRoute.JOINT),
        (NON_PRIORITY[:2], (), None, chc.FundingRoute.AWAITING_DECISION),
        (NON_PRIORITY[:2], (), "eligible", chc.FundingRoute.NHS),
        (NON_PRIORITY[:2], (), "not_eligible", chc.FundingRoute.JOINT),
        ([D.BREATHING], (), "eligible", chc.FundingRoute.NHS),
    ],
)
def test_funding_route(a, b, decision, route):
    funding = chc.funding_route(chc.checklist(scores(a, b)), decision)
    assert funding.route is route
    assert funding.lines[-1]  # the reason is the last line


# --- coordination ------------------------------------------------------------------------------------------

TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize(
    "due,done,state",
    [(TODAY + dt.timedelta(days=30), None, "scheduled"), (TODAY + dt.timedelta(days=14), None, "due"),
     (TODAY, None, "due"), (TODAY - dt.timedelta(days=1), None, "overdue"), (TODAY - dt.timedelta(days=9), TODAY, "completed")],
)
def test_review_state(due, done, state):
    assert coordination.review_state(due, done, TODAY).value == state


@pytest.mark.parametrize(
    "due,done,state",
    [(None, None, "open"), (TODAY + dt.timedelta(days=1), None, "open"), (TODAY, None, "due_today"),
     (TODAY - dt.timedelta(days=1), None, "overdue"), (TODAY - dt.timedelta(days=1), object(), "done")],
)
def test_task_state(due, done, state):
    assert coordination.task_state(due, done, TODAY).value == state
