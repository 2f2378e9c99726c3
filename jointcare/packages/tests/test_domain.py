"""The pure rules of care plans: costs month by month, the funding split, approval, versions, reablement."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcare.packages import domain as d
from jointcare.packages.domain import Funding, PackageError, ServiceTerms, ServiceType

pytestmark = pytest.mark.domain
D = dt.date


def terms(units="10", cost=2000, start=D(2026, 4, 1), end=None, funding=None, kind=ServiceType.COMMUNITY, key="s1"):
    return ServiceTerms(key, kind, Decimal(units), cost, start, end, funding or Funding(council_bp=10_000))


# --- costs ---------------------------------------------------------------------------------------------


def test_weekly_cost_is_units_times_unit_cost():
    assert d.weekly_cost(Decimal("10"), 2000) == 20_000
    assert d.weekly_cost(Decimal("7.5"), 1999) == 14_993  # 14992.5 rounds half up


def test_a_full_month_is_weekly_cost_times_days_over_seven():
    april = d.month_cost(terms(units="7", cost=1000), D(2026, 4, 1))  # £70 a week, 30 days
    assert (april.days, april.cost) == (30, 30_000)
    may = d.month_cost(terms(units="7", cost=1000), D(2026, 5, 1))
    assert (may.days, may.cost) == (31, 31_000)


def test_part_months_are_pro_rated_by_the_days_within_start_and_end():
    t = terms(units="1", cost=700, start=D(2026, 4, 20), end=D(2026, 5, 3))
    assert [(m.month, m.days, m.cost) for m in d.costs(t, D(2027, 3, 31))] == [
        (D(2026, 4, 1), 11, 1100),
        (D(2026, 5, 1), 3, 300),
    ]


def test_a_one_day_service_costs_a_seventh_of_a_week_rounded_half_up():
    t = terms(units="1", cost=1001, start=D(2026, 6, 5), end=D(2026, 6, 5))
    assert d.month_cost(t, D(2026, 6, 1)).cost == 143  # 143.0
    t = terms(units="1", cost=1004, start=D(2026, 6, 5), end=D(2026, 6, 5))
    assert d.month_cost(t, D(2026, 6, 1)).cost == 143  # 143.43
    t = terms(units="1", cost=1005, start=D(2026, 6, 5), end=D(2026, 6, 5))
    assert d.month_cost(t, D(2026, 6, 1)).cost == 144  # 143.57


def test_an_open_service_runs_to_the_horizon():
    assert len(d.months_of(terms(start=D(2026, 4, 15)), D(2027, 3, 31))) == 12
    assert d.months_of(terms(start=D(2027, 5, 1)), D(2027, 3, 31)) == []


def test_leap_february_has_29_days():
    t = terms(units="7", cost=100, start=D(2028, 1, 1))
    assert d.month_cost(t, D(2028, 2, 1)).cost == 2900


# --- funding split ----------------------------------------------------------------------------------


def test_the_client_pays_first_and_the_rest_splits_by_largest_remainder():
    f = Funding(pooled_bp=3333, nhs_bp=3333, council_bp=3334, client_weekly_pence=700)
    mc = d.month_cost(terms(units="7", cost=1000, funding=f), D(2026, 4, 1))  # 30000 in April
    assert mc.client == 3000
    assert (mc.pooled, mc.nhs, mc.council) == (8999, 8999, 9002)
    assert mc.pooled + mc.nhs + mc.council + mc.client == mc.cost


def test_joint_percentage_split():
    mc = d.month_cost(terms(units="1", cost=10_001, funding=Funding(nhs_bp=6000, council_bp=4000)), D(2026, 4, 1))
    assert mc.cost == 42_861  # 10001 * 30 / 7 = 42861.43
    assert (mc.nhs, mc.council) == (25_717, 17_144)


@given(
    units=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("168"), places=2),
    cost=st.integers(0, 1_000_000),
    shares=st.lists(st.integers(0, 10_000), min_size=2, max_size=2),
    client=st.integers(0, 50_000),
    start=st.dates(D(2026, 1, 1), D(2027, 12, 31)),
    length=st.integers(0, 800),
)
@settings(max_examples=80, deadline=None)
def test_parts_always_add_back_to_the_months_cost(units, cost, shares, client, start, length):
    a, b = sorted(shares)
    f = Funding(pooled_bp=a, nhs_bp=b - a, council_bp=10_000 - b, client_weekly_pence=client)
    t = terms(units=units, cost=cost, start=start, end=start + dt.timedelta(days=length), funding=f)
    total_days = 0
    for mc in d.costs(t, D(2030, 1, 1)):
        assert mc.pooled + mc.nhs + mc.council + mc.client == mc.cost
        assert min(mc.pooled, mc.nhs, mc.council, mc.client) >= 0
        assert abs(mc.cost - Fraction(units) * cost * mc.days / 7) <= Fraction(1, 2)
        total_days += mc.days
    assert total_days == length + 1


from fractions import Fraction  # noqa: E402


def test_funding_shares_must_add_to_100_percent():
    with pytest.raises(PackageError, match="add to 90%") as err:
        d.check_service(terms(funding=Funding(pooled_bp=5000, nhs_bp=4000)))
    assert err.value.field == "pooled_percent"
    d.check_service(terms(funding=Funding(pooled_bp=5000, nhs_bp=4000, council_bp=1000)))


def test_a_client_contribution_beyond_the_weekly_cost_is_refused():
    with pytest.raises(PackageError, match="more than the service costs") as err:
        d.check_service(terms(units="1", cost=1000, funding=Funding(council_bp=10_000, client_weekly_pence=1001)))
    assert err.value.field == "client_weekly_pence"


def test_a_service_wholly_paid_by_the_person_needs_no_shares():
    d.check_service(terms(units="1", cost=1000, funding=Funding(client_weekly_pence=1000)))
    mc = d.month_cost(terms(units="1", cost=1000, funding=Funding(client_weekly_pence=1000)), D(2026, 4, 1))
    assert mc.client == mc.cost


@pytest.mark.parametrize(
    "change,field",
    [
        ({"units": "0"}, "units_per_week"),
        ({"units": "169"}, "units_per_week"),
        ({"units": "1.001"}, "units_per_week"),
        ({"cost": -1}, "unit_cost_pence"),
        ({"end": D(2026, 3, 31)}, "ends_on"),
        ({"kind": "Long term support: Hotel"}, "service_type"),
    ],
)
def test_service_terms_are_checked_field_by_field(change, field):
    with pytest.raises(PackageError) as err:
        d.check_service(terms(**change))
    assert err.value.field == field


# --- restating ---------------------------------------------------------------------------------------


def test_restatement_writes_changes_and_zeroes_months_no_longer_planned():
    existing = {("a", D(2026, 4, 1)): 100, ("a", D(2026, 5, 1)): 200, ("b", D(2026, 4, 1)): 0}
    wanted = {("a", D(2026, 4, 1)): 100, ("a", D(2026, 6, 1)): 50}
    assert d.restatement(wanted, existing) == {("a", D(2026, 6, 1)): 50, ("a", D(2026, 5, 1)): 0}


def test_peak_weekly_cost_adds_services_running_at_once():
    a = terms(units="1", cost=1000, start=D(2026, 4, 1), end=D(2026, 4, 30), key="a")
    b = terms(units="1", cost=3000, start=D(2026, 4, 15), end=None, key="b")
    c = terms(units="1", cost=500, start=D(2026, 6, 1), end=None, key="c")
    assert d.peak_weekly_cost([a, b, c]) == 4000
    assert d.peak_weekly_cost([]) == 0


# --- approval ----------------------------------------------------------------------------------------


def test_a_change_above_the_threshold_awaits_approval():
    assert d.status_after_change(100_001, 100_000, True) == d.PlanStatus.AWAITING_APPROVAL
    assert d.status_after_change(100_000, 100_000, True) == d.PlanStatus.IN_FORCE
    assert d.status_after_change(0, 100_000, False) == d.PlanStatus.DRAFT


def test_approval_needs_a_plan_awaiting_it_and_another_person():
    d.check_approval("awaiting_approval", approver_id=2, author_id=1)
    with pytest.raises(PackageError, match="nothing awaits approval"):
        d.check_approval("in_force", approver_id=2, author_id=1)
    with pytest.raises(PackageError, match="made the change"):
        d.check_approval("awaiting_approval", approver_id=1, author_id=1)


def test_differences_name_goals_services_and_fields():
    before = {"goals": ["Walk to the shop"], "services": {"1": {"name": "Home care", "units_per_week": "10.00"}}}
    after = {
        "goals": ["Cook a meal"],
        "services": {"1": {"name": "Home care", "units_per_week": "14.00"}, "2": {"name": "Day centre"}},
    }
    assert d.differences(before, after) == [
        "Goal added: Cook a meal",
        "Goal removed: Walk to the shop",
        "Home care: units per week changed from 10.00 to 14.00",
        "Service added: Day centre",
    ]
    assert d.differences(after, before)[-1] == "Service removed: Day centre"
    assert d.differences(None, {"goals": [], "services": {}}) == []


# --- reablement --------------------------------------------------------------------------------------


def test_reablement_is_free_to_the_person():
    with pytest.raises(PackageError, match="free to the person") as err:
        d.check_service(terms(kind=ServiceType.ST_MAX, funding=Funding(council_bp=10_000, client_weekly_pence=1)))
    assert err.value.field == "client_weekly_pence"
    d.check_service(terms(kind=ServiceType.ST_MAX, funding=Funding(pooled_bp=10_000)))


def test_reablement_lasts_42_days_unless_extended_with_a_reason():
    start = D(2026, 5, 1)
    assert d.planned_end(start) == D(2026, 6, 11)
    d.check_episode_dates(start, D(2026, 6, 11), extended_to=None, discharged_on=D(2026, 4, 30))
    with pytest.raises(PackageError, match="42 days at most") as err:
        d.check_episode_dates(start, D(2026, 6, 12), extended_to=None, discharged_on=None)
    assert err.value.field == "ends_on"
    d.check_extension(start, D(2026, 6, 25), "Needs two more weeks to manage stairs")
    d.check_episode_dates(start, D(2026, 6, 25), extended_to=D(2026, 6, 25), discharged_on=None)
    with pytest.raises(PackageError, match="say why") as err:
        d.check_extension(start, D(2026, 6, 25), "longer")
    assert err.value.field == "reason"
    with pytest.raises(PackageError, match="past day 42"):
        d.check_extension(start, D(2026, 6, 11), "A reason long enough")


def test_discharge_is_before_reablement_starts():
    with pytest.raises(PackageError) as err:
        d.check_episode_dates(D(2026, 5, 1), None, extended_to=None, discharged_on=D(2026, 5, 2))
    assert err.value.field == "discharged_on"


def test_follow_ups_fall_91_days_and_12_weeks_after_discharge():
    out = D(2026, 5, 1)
    assert d.follow_up_due(out, d.FollowUpKind.DAY_91) == D(2026, 7, 31)
    assert d.follow_up_due(out, d.FollowUpKind.WEEK_12) == D(2026, 7, 24)


def test_follow_up_scheduled_due_overdue_recorded():
    due = D(2026, 7, 31)
    assert d.follow_up_state(due, D(2026, 7, 30), False) == d.FollowUpState.SCHEDULED
    assert d.follow_up_state(due, due, False) == d.FollowUpState.DUE
    assert d.follow_up_state(due, D(2026, 8, 14), False) == d.FollowUpState.DUE
    assert d.follow_up_state(due, D(2026, 8, 15), False) == d.FollowUpState.OVERDUE
    assert d.follow_up_state(due, D(2026, 8, 15), True) == d.FollowUpState.RECORDED


def test_a_follow_up_is_recorded_near_its_day_and_not_in_the_future():
    due = D(2026, 7, 31)
    d.check_follow_up(due, D(2026, 7, 20), today=D(2026, 8, 1))
    with pytest.raises(PackageError, match="still to come"):
        d.check_follow_up(due, D(2026, 8, 2), today=D(2026, 8, 1))
    with pytest.raises(PackageError, match="record where the person is from"):
        d.check_follow_up(due, D(2026, 7, 1), today=D(2026, 8, 1))
