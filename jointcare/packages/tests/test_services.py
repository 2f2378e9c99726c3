"""Plans, services and their commitments in the pool, approval, versions and reablement, through the services."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase  # noqa: F401 (documents the choice below)

from jointcare.audit.models import AuditEntry
from jointcare.errors import Conflict, FieldError
from jointcare.packages import domain, services
from jointcare.packages.domain import Funding, ServiceType
from jointcare.packages.models import CarePlan, PlanVersion
from jointcare.pool.models import Commitment

pytestmark = pytest.mark.django_db
D = dt.date


def commitments(reference=None):
    qs = Commitment.objects.filter(source=services.SOURCE)
    if reference:
        qs = qs.filter(reference=reference)
    return {c.period.starts_on: c.amount_pence for c in qs.select_related("period")}


def test_a_pooled_service_commits_its_pooled_share_month_by_month(coordinator, person, spec):
    service = services.add_service(coordinator, person, spec(starts_on=D(2026, 4, 20), ends_on=D(2026, 6, 10)))
    # £70 a week = £10 a day; 60% pooled
    assert commitments(service.reference) == {D(2026, 4, 1): 6600, D(2026, 5, 1): 18600, D(2026, 6, 1): 6000}
    assert AuditEntry.objects.filter(action="packages.add_service", object_id=str(service.pk)).count() == 1


def test_changing_and_ending_a_service_restates_and_zeroes_months(coordinator, person, spec):
    service = services.add_service(coordinator, person, spec(starts_on=D(2026, 4, 1), ends_on=D(2026, 6, 30)))
    services.change_service(coordinator, service, services.spec_of(service, units_per_week=Decimal("14")))
    assert commitments(service.reference)[D(2026, 5, 1)] == 37200
    services.end_service(coordinator, service, D(2026, 4, 30), "Moved to a care home")
    assert commitments(service.reference) == {D(2026, 4, 1): 36000, D(2026, 5, 1): 0, D(2026, 6, 1): 0}


def test_an_open_service_commits_to_the_end_of_the_last_pool_year(coordinator, person, spec):
    service = services.add_service(coordinator, person, spec(starts_on=D(2026, 12, 1)))
    assert sorted(commitments(service.reference)) == [D(2026, 12, 1), D(2027, 1, 1), D(2027, 2, 1), D(2027, 3, 1)]


def test_withdrawing_a_service_zeroes_its_commitments_and_keeps_the_row(coordinator, person, spec):
    service = services.add_service(coordinator, person, spec(ends_on=D(2026, 5, 31)))
    with pytest.raises(FieldError) as err:
        services.withdraw_service(coordinator, service, "oops")
    assert err.value.field == "reason"
    services.withdraw_service(coordinator, service, "Entered for the wrong person")
    assert set(commitments(service.reference).values()) == {0}
    service.refresh_from_db()
    assert service.withdrawn_at is not None


def test_moving_the_pooled_share_to_another_scheme_zeroes_the_first(coordinator, person, spec, schemes):
    service = services.add_service(coordinator, person, spec(ends_on=D(2026, 4, 30)))
    services.change_service(coordinator, service, services.spec_of(service, scheme=schemes["EQUIP"]))
    by_scheme = {c.scheme.code: c.amount_pence for c in Commitment.objects.filter(reference=service.reference)}
    assert by_scheme == {"REAB": 0, "EQUIP": 18000}


def test_a_closed_month_cannot_change(coordinator, person, spec, pool, finance):
    from jointcare.pool.services import close_period

    service = services.add_service(coordinator, person, spec(ends_on=D(2026, 6, 30)))
    close_period(finance, pool, 1, today=D(2026, 5, 5))
    with pytest.raises(Conflict, match="April 2026 is closed"):
        services.change_service(coordinator, service, services.spec_of(service, unit_cost_pence=2000))
    assert commitments(service.reference)[D(2026, 4, 1)] == 18000  # nothing half-written
    # a change from May leaves April as it was, so it is accepted
    services.end_service(coordinator, service, D(2026, 5, 15))
    assert commitments(service.reference)[D(2026, 5, 1)] == 9000


def test_months_outside_any_pool_year_are_not_committed(coordinator, person, spec):
    service = services.add_service(coordinator, person, spec(starts_on=D(2026, 3, 1), ends_on=D(2026, 4, 30)))
    assert sorted(commitments(service.reference)) == [D(2026, 4, 1)]


def test_the_scheme_must_cover_the_persons_council(coordinator, person, spec):
    person.responsible_council = "E08000009"
    with pytest.raises(FieldError) as err:
        services.check_spec(spec(), person)
    assert err.value.field == "scheme"


def test_a_pooled_share_needs_a_scheme_and_reablement_takes_no_charge(coordinator, person, spec):
    with pytest.raises(FieldError) as err:
        services.add_service(coordinator, person, spec(scheme=None))
    assert err.value.field == "scheme"
    with pytest.raises(FieldError, match="free to the person") as err:
        services.add_service(coordinator, person, spec(
            service_type=ServiceType.ST_MAX.value, component="Reablement",
            funding=Funding(pooled_bp=10_000, client_weekly_pence=500)))
    assert err.value.field == "client_weekly_pence"
    assert not CarePlan.objects.exists()


# --- approval and versions ----------------------------------------------------------------------------


def test_a_change_above_the_threshold_awaits_approval_by_another(coordinator, commissioner, person, spec, settings):
    settings.PACKAGES_APPROVAL_WEEKLY_PENCE = 10_000
    services.add_service(coordinator, person, spec(units_per_week=Decimal("10")))  # £100.00 a week: at the line
    plan = services.plan_of(person)
    assert plan.status == "in_force"
    service = services.add_service(coordinator, person, spec(name="Day centre", unit_cost_pence=1))
    plan.refresh_from_db()
    assert (plan.status, plan.version) == ("awaiting_approval", 2)
    with pytest.raises(Conflict, match="cannot approve"):
        services.approve_plan(coordinator, plan, 2)
    with pytest.raises(Conflict, match="version 2"):
        services.approve_plan(commissioner, plan, 1)
    services.approve_plan(commissioner, plan, 2)
    plan.refresh_from_db()
    assert plan.status == "approved"
    assert PlanVersion.objects.get(plan=plan, number=2).decided_by == commissioner
    services.end_service(coordinator, service, D(2026, 4, 1))
    plan.refresh_from_db()
    assert plan.status == "awaiting_approval"  # every change above the line is approved again
    services.return_plan(commissioner, plan, 3, "Ask the provider for a better rate")
    plan.refresh_from_db()
    assert plan.status == "returned"


def test_a_partnership_sets_its_own_threshold(coordinator, person, spec, pool):
    from jointcare.packages.models import ApprovalThreshold

    ApprovalThreshold.objects.create(agreement=pool.agreement, weekly_pence=5000)
    services.add_service(coordinator, person, spec())  # £70 a week
    assert services.plan_of(person).status == "awaiting_approval"


def test_each_change_is_a_version_with_its_differences(coordinator, person, spec):
    service = services.add_service(coordinator, person, spec())
    services.set_goals(coordinator, person, ["Make a hot drink unaided"])
    services.change_service(coordinator, service, services.spec_of(service, units_per_week=Decimal("10.5")))
    versions = list(services.plan_of(person).versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].differences == ["Service added: Home care"]
    assert versions[1].differences == ["Goal added: Make a hot drink unaided"]
    assert versions[2].differences == ["Home care: units per week changed from 7.00 to 10.50"]
    assert all(v.made_by == coordinator for v in versions)


# --- reablement ------------------------------------------------------------------------------------------


def test_reablement_episode_limit_extension_outcome_and_follow_ups(coordinator, person, spec):
    reab = services.add_service(coordinator, person, spec(
        name="Reablement", service_type=ServiceType.ST_MAX.value, component="Reablement",
        starts_on=D(2026, 5, 1), funding=Funding(pooled_bp=10_000)))
    with pytest.raises(FieldError, match="free to the person"):
        services.start_episode(coordinator, person, starts_on=D(2026, 5, 1), client_contribution_pence=100)
    episode = services.start_episode(coordinator, person, starts_on=D(2026, 5, 1), discharged_on=D(2026, 4, 30), service=reab)
    with pytest.raises(Conflict, match="open reablement episode"):
        services.start_episode(coordinator, person, starts_on=D(2026, 5, 2))
    with pytest.raises(FieldError, match="42 days at most"):
        services.end_episode(coordinator, episode, D(2026, 6, 12), domain.EventOutcome.ENDED_AS_PLANNED.value)
    services.extend_episode(coordinator, episode, D(2026, 6, 20), "Stairs need two more weeks of practice")
    services.end_episode(coordinator, episode, D(2026, 6, 12), domain.EventOutcome.ENDED_AS_PLANNED.value)
    reab.refresh_from_db()
    assert reab.ends_on == D(2026, 6, 12)
    assert max(m for m, amount in commitments(reab.reference).items() if amount) == D(2026, 6, 1)
    follow_ups = {f.kind: f for f in episode.follow_ups.all()}
    assert follow_ups["day_91"].due_on == D(2026, 7, 30)
    assert follow_ups["week_12"].due_on == D(2026, 7, 23)
    assert follow_ups["day_91"].state(D(2026, 8, 20)) == domain.FollowUpState.OVERDUE
    services.record_follow_up(coordinator, follow_ups["day_91"], seen_on=D(2026, 7, 31), whereabouts="at_home", today=D(2026, 8, 20))
    follow_ups["day_91"].refresh_from_db()
    assert follow_ups["day_91"].state(D(2026, 8, 20)) == domain.FollowUpState.RECORDED


# --- the property: commitments equal the active services' pooled costs, month by month ----------------


@st.composite
def changes(draw):
    kind = draw(st.sampled_from(["add", "add", "change", "end", "withdraw"]))
    start = D(2026, 4, 1) + dt.timedelta(days=draw(st.integers(-40, 400)))
    length = draw(st.one_of(st.none(), st.integers(0, 300)))
    return {
        "kind": kind,
        "pick": draw(st.integers(0, 10)),
        "start": start,
        "end": None if length is None else start + dt.timedelta(days=length),
        "units": Decimal(draw(st.integers(1, 4000))) / 100,
        "cost": draw(st.integers(0, 50_000)),
        "pooled": draw(st.sampled_from([0, 3333, 5000, 10_000])),
        "scheme": draw(st.sampled_from(["REAB", "EQUIP"])),
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(changes(), min_size=1, max_size=6))
def test_commitments_equal_active_pooled_costs_after_any_changes(coordinator, person, spec, schemes, steps):
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        made = []
        for step in steps:
            funding = Funding(pooled_bp=step["pooled"], council_bp=10_000 - step["pooled"])
            new = spec(starts_on=step["start"], ends_on=step["end"], units_per_week=step["units"],
                       unit_cost_pence=step["cost"], funding=funding,
                       scheme=schemes[step["scheme"]] if step["pooled"] else None)
            live = [s for s in made if s.withdrawn_at is None]
            if step["kind"] == "add" or not live:
                made.append(services.add_service(coordinator, person, new))
                continue
            target = live[step["pick"] % len(live)]
            if step["kind"] == "change":
                services.change_service(coordinator, target, new)
            elif step["kind"] == "end":
                services.end_service(coordinator, target, max(target.starts_on, step["start"]))
            else:
                services.withdraw_service(coordinator, target, "Entered in error, test")
            target.refresh_from_db()
        expected = defaultdict(int)
        for s in services.plan_of(person).services.filter(withdrawn_at__isnull=True, pooled_bp__gt=0):
            for mc in domain.costs(s.terms, D(2027, 3, 31)):
                if D(2026, 4, 1) <= mc.month <= D(2027, 3, 1):
                    expected[(s.scheme.code, mc.month)] += mc.pooled
        actual = defaultdict(int)
        for c in Commitment.objects.filter(source=services.SOURCE).select_related("scheme", "period"):
            actual[(c.scheme.code, c.period.starts_on)] += c.amount_pence
        assert {k: v for k, v in actual.items() if v} == {k: v for k, v in expected.items() if v}
        transaction.savepoint_rollback(sid)


def test_a_service_answering_a_referral_records_its_first_service(coordinator, person, spec, partners):
    from django.utils import timezone

    from jointcare.care import services as care

    team = care.create_team(None, name="Reablement team", organisation=partners["council"])
    care.add_routing_rule(None, team)
    referral = care.refer(None, person, source="hospital_discharge")
    received = timezone.localdate(referral.received_at)
    with pytest.raises(FieldError) as err:
        services.add_service(coordinator, person, spec(starts_on=received - dt.timedelta(days=1), referral=referral))
    assert err.value.field == "referral"
    services.add_service(coordinator, person, spec(starts_on=received + dt.timedelta(days=3), referral=referral))
    referral.refresh_from_db()
    assert timezone.localdate(referral.first_service_at) == received + dt.timedelta(days=3)
