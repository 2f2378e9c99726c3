import datetime as dt

import pytest

from jointcare.audit.models import AuditEntry
from jointcare.errors import Conflict, FieldError
from jointcare.partnerships import services
from jointcare.partnerships.domain import AgreementStatus, MembershipBasis
from jointcare.partnerships.models import Agreement, Party

pytestmark = pytest.mark.django_db


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
    services.change_status(None, pooled, "active")
    with pytest.raises(FieldError) as exc:
        services.update_agreement(None, pooled, kind="virtual_trust")
    assert exc.value.field == "kind"


@pytest.mark.parametrize(
    "path,ok",
    [
        (["active"], True),
        (["ended"], True),
        (["active", "ended"], True),
        (["draft"], False),
        (["active", "draft"], False),
        (["active", "active"], False),
        (["ended", "active"], False),
        (["ended", "draft"], False),
        (["ended", "ended"], False),
    ],
)
def test_every_status_transition(pooled, path, ok):
    *before, last = path
    for status in before:
        services.change_status(None, pooled, status)
    previous = Agreement.objects.get(pk=pooled.pk).status
    if ok:
        services.change_status(None, pooled, last)
        assert Agreement.objects.get(pk=pooled.pk).status == last
        entry = AuditEntry.objects.filter(action="agreement.status").first()
        assert entry.before == {"status": previous} and entry.after == {"status": last}
    else:
        with pytest.raises(Conflict) as exc:
            services.change_status(None, pooled, last)
        assert exc.value.field == "status"
        assert Agreement.objects.get(pk=pooled.pk).status == previous


def test_unknown_status_names_the_field(pooled):
    with pytest.raises(FieldError) as exc:
        services.change_status(None, pooled, "paused")
    assert exc.value.field == "status" and not isinstance(exc.value, Conflict)


def test_activation_checks_the_parties(orgs):
    a = services.create_agreement(
        None, name="S75", kind="section_75_pooled_fund", starts_on="2025-04-01", parties=[(orgs["council"], "host")]
    )
    with pytest.raises(FieldError) as exc:
        services.change_status(None, a, "active")
    assert exc.value.field == "parties"
    services.add_party(None, a, orgs["sub"], "member")
    services.change_status(None, a, "active")


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
    services.change_status(None, pooled, "ended")
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
