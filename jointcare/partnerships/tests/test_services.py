import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jointcare.audit.models import AuditEntry
from jointcare.errors import Conflict, FieldError
from jointcare.partnerships import services
from jointcare.partnerships.domain import AgreementStatus, MembershipBasis, status_on
from jointcare.partnerships.models import Agreement, Party

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def test_create_agreement_with_parties_audits_everything(orgs, user_factory):
    actor = user_factory("comm", roles=["commissioner"])
    a = services.create_agreement(
        actor,
        name=" Trafford BCF ",
        kind="section_75_pooled_fund",
        starts_on=dt.date(2025, 4, 1),
        parties=[(orgs["council"], "host"), (orgs["sub"].pk, "member")],
    )
    assert a.name == "Trafford BCF" and a.status == AgreementStatus.DRAFT
    assert {(p.organisation_id, p.role) for p in a.parties.all()} == {(orgs["council"].pk, "host"), (orgs["sub"].pk, "member")}
    entry = AuditEntry.objects.get(action="agreement.create")
    assert entry.actor == actor and entry.before is None
    assert entry.after["name"] == "Trafford BCF"
    assert {p["role"] for p in entry.after["parties"]} == {"host", "member"}


@pytest.mark.parametrize(
    "kwargs,field,words",
    [
        (dict(name=""), "name", "Enter the name"),
        (dict(kind="merger"), "kind", "not a kind of agreement"),
        (dict(starts_on=None), "starts_on", "Enter the start date"),
        (dict(starts_on="1 April"), "starts_on", "as a date"),
        (dict(ends_on="2024-01-01"), "ends_on", "on or after the start date"),
        (dict(parties=[]), "parties", "exactly one host"),
    ],
)
def test_create_agreement_refuses_bad_input(orgs, kwargs, field, words):
    args = dict(name="BCF", kind="section_75_pooled_fund", starts_on="2025-04-01", parties=[(orgs["council"], "host")])
    args.update(kwargs)
    with pytest.raises(FieldError) as exc:
        services.create_agreement(None, **args)
    assert exc.value.field == field and words in exc.value.message
    assert not Agreement.objects.exists() and not AuditEntry.objects.filter(action="agreement.create").exists()


def test_create_refuses_two_hosts_and_duplicate_parties(orgs):
    with pytest.raises(FieldError) as exc:
        services.create_agreement(
            None, name="X", kind="section_75_pooled_fund", starts_on="2025-04-01",
            parties=[(orgs["council"], "host"), (orgs["sub"], "host")],
        )
    assert "not 2" in exc.value.message
    with pytest.raises(FieldError) as exc:
        services.create_agreement(
            None, name="X", kind="duty_to_cooperate", starts_on="2025-04-01",
            parties=[(orgs["council"], "member"), (orgs["council"], "member")],
        )
    assert exc.value.field == "parties.1.organisation"
    with pytest.raises(FieldError) as exc:
        services.create_agreement(None, name="X", kind="duty_to_cooperate", starts_on="2025-04-01", parties=[(orgs["icb"], "boss")])
    assert exc.value.field == "parties.0.role"


def test_update_agreement_records_before_and_after(pooled):
    services.update_agreement(None, pooled, name="Trafford BCF 2025/26", scope="Reablement")
    entry = AuditEntry.objects.get(action="agreement.update")
    assert entry.before["name"] == "Trafford Better Care Fund pooled budget"
    assert entry.after["name"] == "Trafford BCF 2025/26" and entry.after["scope"] == "Reablement"
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, pooled, status="active")
    assert exc.value.field == "status"
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, pooled, ends_on="2020-01-01")
    assert exc.value.field == "ends_on"


def test_kind_can_change_only_while_draft(pooled):
    services.update_agreement(None, pooled, kind="aligned_budgets")
    services.start_agreement(None, pooled)
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, pooled, kind="virtual_trust")
    assert exc.value.field == "kind"


def _agreement(orgs, starts_on, ends_on=None, **kwargs) -> Agreement:
    return services.create_agreement(
        None,
        name=kwargs.pop("name", "Trafford BCF"),
        kind="section_75_pooled_fund",
        starts_on=starts_on,
        ends_on=ends_on,
        parties=[(orgs["council"], "host"), (orgs["sub"], "member")],
        **kwargs,
    )


ACT = {
    "start": lambda a: services.start_agreement(None, a),
    "end": lambda a: services.end_agreement(None, a),
    "terminate": lambda a: services.terminate_agreement(None, a, "Notice given by the ICB"),
}


@pytest.mark.parametrize(
    "path,ok",
    [
        (["start"], True),
        (["terminate"], True),
        (["start", "end"], True),
        (["start", "terminate"], True),
        (["end"], False),
        (["start", "start"], False),
        (["start", "end", "start"], False),
        (["start", "end", "end"], False),
        (["start", "end", "terminate"], False),
        (["terminate", "start"], False),
        (["terminate", "end"], False),
        (["terminate", "terminate"], False),
    ],
)
def test_every_action_in_turn(orgs, path, ok):
    """Every action from every status reachable by actions, through the service: stored, audited or refused."""
    agreement = _agreement(orgs, starts_on=days(-30), ends_on=days(300))
    *before, last = path
    for action in before:
        ACT[action](agreement)
    previous = Agreement.objects.get(pk=agreement.pk)
    if ok:
        ACT[last](agreement)
        after = Agreement.objects.get(pk=agreement.pk)
        assert after.status == {"start": "active", "end": "ended", "terminate": "terminated"}[last]
        assert after.status_today == after.status
        entry = AuditEntry.objects.filter(action=f"agreement.{last}").first()
        assert entry.before["status"] == previous.status_today and entry.after["status"] == after.status
        if last != "start":
            assert after.ended_on == today() and entry.after["ended_on"] == today().isoformat()
    else:
        entries = AuditEntry.objects.count()
        with pytest.raises(Conflict) as exc:
            ACT[last](agreement)
        assert exc.value.field == "status"
        after = Agreement.objects.get(pk=agreement.pk)
        assert (after.status, after.ended_on, after.end_reason) == (previous.status, previous.ended_on, previous.end_reason)
        assert AuditEntry.objects.count() == entries


def test_start_is_refused_before_the_start_date(orgs):
    """The finding: 'Start' made an agreement active before its start date."""
    agreement = _agreement(orgs, starts_on=days(1))
    with pytest.raises(Conflict) as exc:
        services.start_agreement(None, agreement)
    assert exc.value.field == "starts_on" and "cannot start before its start date" in exc.value.message
    assert Agreement.objects.get().status == "draft" and not AuditEntry.objects.filter(action="agreement.start").exists()
    services.update_agreement(None, agreement, starts_on=today())
    assert services.start_agreement(None, agreement).status_today == "active"


def test_start_is_refused_after_the_end_date_and_without_the_parties(orgs):
    agreement = _agreement(orgs, starts_on=days(-400), ends_on=days(-1))
    with pytest.raises(Conflict) as exc:
        services.start_agreement(None, agreement)
    assert exc.value.field == "ends_on"
    lonely = services.create_agreement(
        None, name="S75", kind="section_75_pooled_fund", starts_on=today(), parties=[(orgs["council"], "host")]
    )
    with pytest.raises(FieldError) as exc:
        services.start_agreement(None, lonely)
    assert exc.value.field == "parties"


def test_an_agreement_past_its_end_date_has_ended_and_is_closed(orgs):
    """The finding: the demo agreement that ended on 31 March 2026 was still 'Active'."""
    agreement = _agreement(orgs, starts_on=days(-400), ends_on=days(10))
    services.start_agreement(None, agreement)
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=days(-1))  # time passes: its end date is behind it
    agreement.refresh_from_db()
    assert agreement.status == "active" and agreement.status_today == "ended"
    with pytest.raises(Conflict) as exc:
        services.add_party(None, agreement, orgs["salford"], "member")
    assert "has ended" in exc.value.message
    with pytest.raises(Conflict):
        services.update_agreement(None, agreement, name="Renamed")
    with pytest.raises(Conflict) as exc:
        services.end_agreement(None, agreement)
    assert "that is ended cannot be ended" in exc.value.message
    # A variation extends it: only the end date may move, and only to today or later.
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, agreement, ends_on=days(-2))
    assert exc.value.field == "ends_on"
    services.update_agreement(None, agreement, ends_on=days(365))
    assert Agreement.objects.get().status_today == "active"


def test_ending_and_terminating_record_the_day_and_the_reason(orgs):
    agreement = _agreement(orgs, starts_on=days(-30), ends_on=days(300))
    services.start_agreement(None, agreement)
    services.end_agreement(None, agreement)
    agreement.refresh_from_db()
    assert (agreement.status_today, agreement.ended_on, agreement.ends_on, agreement.last_day) == (
        "ended", today(), days(300), today()
    )
    other = _agreement(orgs, starts_on=days(-30), name="Other")
    services.start_agreement(None, other)
    with pytest.raises(FieldError) as exc:
        services.terminate_agreement(None, other, "  ")
    assert exc.value.field == "reason"
    with pytest.raises(FieldError) as exc:
        services.terminate_agreement(None, other, "x" * 2001)
    assert exc.value.field == "reason"
    services.terminate_agreement(None, other, " Notice given by NHS Greater Manchester ")
    other.refresh_from_db()
    assert (other.status_today, other.ended_on, other.end_reason) == (
        "terminated", today(), "Notice given by NHS Greater Manchester"
    )
    entry = AuditEntry.objects.get(action="agreement.terminate")
    assert entry.before == {"status": "active", "ended_on": None, "end_reason": ""}
    assert entry.after["end_reason"] == "Notice given by NHS Greater Manchester"
    draft = _agreement(orgs, starts_on=days(30), name="Never")
    services.terminate_agreement(None, draft, "Not agreed by the council's cabinet")
    assert Agreement.objects.get(pk=draft.pk).status_today == "terminated"


def test_the_database_keeps_ends_and_reasons_together(orgs):
    agreement = _agreement(orgs, starts_on=days(-30))
    for values in ({"status": "ended"}, {"status": "terminated", "ended_on": today()}, {"ended_on": today()}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(**values)


def test_a_started_agreement_keeps_its_start_in_the_past(orgs):
    agreement = _agreement(orgs, starts_on=days(-30))
    services.start_agreement(None, agreement)
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, agreement, starts_on=days(5))
    assert exc.value.field == "starts_on"
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, agreement, ends_on=days(-1))
    assert exc.value.field == "ends_on" and "end the agreement" in exc.value.message


def test_status_filter_agrees_with_the_state_machine(orgs):
    """Every combination of last action and dates: the list's status filter finds exactly what status_on says."""
    spans = [(-400, -100), (-400, 0), (-30, None), (-30, 30), (0, None), (30, 60), (30, None)]
    made = []
    for i, (start, end) in enumerate(spans):
        for stored in AgreementStatus:
            a = _agreement(orgs, starts_on=days(start), ends_on=days(end) if end is not None else None, name=f"A{i}{stored}")
            closed = stored in (AgreementStatus.ENDED, AgreementStatus.TERMINATED)
            Agreement.objects.filter(pk=a.pk).update(
                status=stored, ended_on=today() if closed else None, end_reason="Reason" if stored == "terminated" else ""
            )
            made.append(Agreement.objects.get(pk=a.pk))
    for status in AgreementStatus:
        expected = {a.pk for a in made if status_on(a.status, a.starts_on, a.ends_on, today()) == status}
        assert {a.pk for a in services.agreements(status=status)} == expected, status
    assert {"draft", "active", "ended", "terminated"} == {a.status_today for a in made}


POOL_FILE = """
pool: {{name: Better Care Fund, agreement: Trafford BCF, financial_year: {year}, host: council}}
partners: {{icb: 02A, council: E08000009}}
contributions:
  - {{partner: icb, amount: 600.00, type: pooled, form: cash, schedule: quarterly}}
  - {{partner: council, amount: 400.00, type: pooled, form: cash, schedule: quarterly}}
schemes:
  - {{code: REAB, name: Reablement, service_area: reablement, lead: council, budget: 1000.00}}
risk_share: {{method: pro_rata, caps: {{icb: contribution, council: contribution}}, excess_to: icb,
              underspend: return_pro_rata}}
"""


def test_dates_must_keep_covering_the_pools_held(orgs, user_factory):
    """Pools only within the agreement's dates: a date change that would leave a pool's year outside is refused."""
    from jointcare.pool import agreement_file

    year = today().year if today().month >= 4 else today().year - 1
    agreement = _agreement(orgs, starts_on=dt.date(year - 1, 4, 1))
    agreement_file.create_from_text(user_factory("fin", roles=["finance_officer"]), POOL_FILE.format(year=year))
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, agreement, ends_on=dt.date(year + 1, 3, 30))
    assert exc.value.field == "ends_on" and f"holds the {year}-{(year + 1) % 100:02d} pool" in exc.value.message
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, agreement, starts_on=dt.date(year, 4, 2))
    assert exc.value.field == "starts_on"
    assert Agreement.objects.get().ends_on is None
    services.update_agreement(None, agreement, ends_on=dt.date(year + 1, 3, 31))
    assert Agreement.objects.get().covers_financial_year(year) and not Agreement.objects.get().covers_financial_year(year + 1)


def test_add_party_rules(pooled, orgs):
    party = services.add_party(None, pooled, orgs["icb"], "lead_commissioner")
    assert party.role == "lead_commissioner"
    assert AuditEntry.objects.get(action="agreement.add_party").after["organisation"] == orgs["icb"].pk
    with pytest.raises(FieldError) as exc:
        services.add_party(None, pooled, orgs["icb"], "member")
    assert exc.value.field == "organisation" and "already a party" in exc.value.message
    with pytest.raises(FieldError) as exc:
        services.add_party(None, pooled, orgs["salford"], "host")
    assert exc.value.field == "role"
    with pytest.raises(FieldError) as exc:
        services.add_party(None, pooled, orgs["salford"], "sponsor")
    assert exc.value.field == "role"
    services.terminate_agreement(None, pooled, "Replaced by a new agreement")
    with pytest.raises(Conflict):
        services.add_party(None, pooled, orgs["salford"], "member")
    assert Party.objects.filter(agreement=pooled).count() == 3


def test_board_members_meetings_and_decisions(pooled, orgs, user_factory):
    board = services.create_board(None, pooled, name="Trafford Health and Wellbeing Board", quorum=2)
    with pytest.raises(Conflict) as exc:
        services.create_board(None, pooled, name="Another")
    assert exc.value.field == "board"
    chair = services.add_board_member(
        None, board, person_name="Cllr Ada Example", organisation=orgs["council"], basis="elected_councillor", position="Chair"
    )
    nhs = services.add_board_member(None, board, person_name="Dr Ben Sample", organisation=orgs["sub"], basis="appointed_by_nhs")
    coopted = services.add_board_member(
        None, board, person_name="Cy Volunteer", organisation=orgs["charity"], basis="co_opted", voting=False
    )
    assert AuditEntry.objects.filter(action="board.add_member").count() == 3
    assert AuditEntry.objects.filter(action="board.add_member").first().after["basis"] == MembershipBasis.CO_OPTED
    with pytest.raises(FieldError) as exc:
        services.add_board_member(None, board, person_name="Di", organisation=orgs["charity"], basis="appointed_nationally")
    assert exc.value.field == "organisation" and "Co-opted" in exc.value.message
    with pytest.raises(FieldError) as exc:
        services.add_board_member(None, board, person_name="Ed", organisation=orgs["sub"], basis="elected_councillor")
    assert exc.value.field == "basis"
    with pytest.raises(FieldError) as exc:
        services.add_board_member(None, board, person_name="", organisation=orgs["sub"], basis="fellow")
    assert [e["field"] for e in exc.value.errors] == ["person_name", "basis"]

    meeting = services.record_meeting(None, board, held_on="2025-06-12", attendees=[chair.pk, nhs.pk, coopted.pk])
    assert meeting.attendees.count() == 3
    with pytest.raises(FieldError) as exc:
        services.record_meeting(None, board, held_on="2025-06-12", attendees=[999999])
    assert exc.value.field == "attendees"

    actor = user_factory("member", roles=["board_member"])
    d1 = services.record_decision(actor, meeting, summary="Approved the 2025/26 BCF plan", votes_for=2, votes_against=0)
    assert d1.reference == "D2025-001" and d1.recorded_by == actor
    d2 = services.record_decision(None, meeting, summary="Agreed the risk share")
    assert d2.reference == "D2025-002"
    with pytest.raises(FieldError) as exc:
        services.record_decision(None, meeting, summary="Dup", reference="D2025-001")
    assert exc.value.field == "reference"
    with pytest.raises(FieldError) as exc:
        services.record_decision(None, meeting, summary="Too many", votes_for=3)
    assert exc.value.field == "votes_for"

    thin = services.record_meeting(None, board, held_on="2025-07-01", attendees=[chair.pk, coopted.pk])
    with pytest.raises(FieldError) as exc:
        services.record_decision(None, thin, summary="Inquorate")
    assert exc.value.field == "meeting" and "not quorate" in exc.value.message
    assert AuditEntry.objects.filter(action="board.record_decision").count() == 2


def test_meetings_in_the_future_are_scheduled_and_take_no_decisions(pooled, orgs):
    """The finding: meetings could be recorded in the future (with attendance, and decisions at them)."""
    board = services.create_board(None, pooled, name="Board", quorum=2)
    chair = services.add_board_member(None, board, person_name="Ada", organisation=orgs["council"], basis="elected_councillor")
    nhs = services.add_board_member(None, board, person_name="Ben", organisation=orgs["sub"], basis="appointed_by_nhs")
    with pytest.raises(FieldError) as exc:
        services.record_meeting(None, board, held_on=days(14), attendees=[chair.pk])
    assert exc.value.field == "attendees" and "is scheduled" in exc.value.message
    scheduled = services.record_meeting(None, board, held_on=days(14), title="Next board")
    assert scheduled.status == "scheduled" and scheduled.status_label == "Scheduled"
    assert AuditEntry.objects.get(action="board.record_meeting").after["status"] == "scheduled"
    with pytest.raises(FieldError) as exc:
        services.record_decision(None, scheduled, summary="Approved next year's plan")
    assert exc.value.field == "meeting" and "has not been held yet" in exc.value.message
    with pytest.raises(Conflict) as exc:
        services.record_attendance(None, scheduled, [chair.pk])
    assert exc.value.field == "attendees"

    held = services.record_meeting(None, board, held_on=today(), title="Today's board")
    assert held.status == "held"
    with pytest.raises(FieldError) as exc:
        services.record_attendance(None, held, [chair.pk, 999999])
    assert exc.value.field == "attendees"
    services.record_attendance(None, held, [chair.pk, nhs.pk])
    entry = AuditEntry.objects.get(action="board.record_attendance")
    assert entry.before == {"attendees": []} and entry.after == {"attendees": sorted([chair.pk, nhs.pk])}
    decision = services.record_decision(None, held, summary="Approved the plan", votes_for=2)
    assert decision.meeting == held
    with pytest.raises(Conflict) as exc:
        services.record_attendance(None, held, [chair.pk])
    assert "Decisions have been recorded" in exc.value.message
    assert set(held.attendees.values_list("pk", flat=True)) == {chair.pk, nhs.pk}
