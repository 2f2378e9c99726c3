"""Partnerships API: agreements and their actions (start, end, terminate), parties, board, members, meetings
and attendance, and the decision log."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from jointcare.accounts.access import api_user, check
from jointcare.errors import FieldError, NotFound
from jointcare.organisations import services as organisations
from jointcare.partnerships import services
from jointcare.partnerships.domain import (
    AgreementAction,
    AgreementKind,
    AgreementStatus,
    MeetingStatus,
    MembershipBasis,
    PartyRole,
    actions_open,
)
from jointcare.partnerships.models import Agreement, Board, BoardMember, Decision, Meeting, Party
from jointcare.schemas import READ_ERRORS, WRITE_ERRORS, Count, Date, Flag, Id, Input, PathId, text, whole_number

router = Router(tags=["partnerships"])


# --- schemas ---------------------------------------------------------------------------------------


class OrgRef(Schema):
    id: int
    name: str
    code: str
    kind: str
    sector: str


class PartyOut(Schema):
    id: int
    organisation: OrgRef
    role: str
    role_label: str


class MemberOut(Schema):
    id: int
    person_name: str
    position: str
    organisation: OrgRef
    basis: str
    basis_label: str
    voting: bool
    starts_on: dt.date | None
    ends_on: dt.date | None
    username: str | None


class BoardOut(Schema):
    id: int
    name: str
    terms_of_reference: str
    quorum: int
    members: list[MemberOut]


class DecisionOut(Schema):
    id: int
    meeting_id: int
    held_on: dt.date
    reference: str
    summary: str
    detail: str
    votes_for: int | None
    votes_against: int | None
    abstentions: int | None
    recorded_by: str | None


class MeetingOut(Schema):
    id: int
    held_on: dt.date
    status: MeetingStatus = Field(..., description="scheduled (after today) or held (today or before)")
    title: str
    location: str
    attendee_ids: list[int]


STATUS_HELP = "today's status, from the last action and the dates: draft, active, ended or terminated"


class AgreementSummary(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    status: AgreementStatus = Field(..., description=STATUS_HELP)
    starts_on: dt.date
    ends_on: dt.date | None
    ended_on: dt.date | None
    host: OrgRef | None
    party_count: int


class AgreementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AgreementSummary]


class AgreementOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    status: AgreementStatus = Field(..., description=STATUS_HELP)
    status_label: str
    actions: list[AgreementAction] = Field(..., description="the actions the status allows today")
    starts_on: dt.date
    ends_on: dt.date | None = Field(..., description="the agreed end of its term; null when open-ended")
    ended_on: dt.date | None = Field(..., description="the day it was ended or terminated by an action")
    end_reason: str = Field(..., description="why it was terminated")
    scope: str
    legal_basis: str
    parties: list[PartyOut]
    board: BoardOut | None
    meetings: list[MeetingOut]
    decisions: list[DecisionOut]


class PartyIn(Input):
    organisation_id: Id | None = None
    organisation_code: str | None = text(None, max_length=20, description="ODS or GSS code, instead of organisation_id")
    role: PartyRole


class AgreementIn(Input):
    name: str = text(..., min_length=1, max_length=200)
    kind: AgreementKind
    starts_on: Date
    ends_on: Date | None = None
    scope: str = text("", max_length=5000)
    legal_basis: str = text("", max_length=200)
    parties: list[PartyIn] = Field(default_factory=list, max_length=100)


class AgreementPatch(Input):
    name: str | None = text(None, min_length=1, max_length=200)
    kind: AgreementKind | None = None
    starts_on: Date | None = None
    ends_on: Date | None = None
    scope: str | None = text(None, max_length=5000)
    legal_basis: str | None = text(None, max_length=200)


class TerminateIn(Input):
    reason: str = text(..., min_length=1, max_length=2000, description="why the agreement is terminated")


class AttendanceIn(Input):
    attendee_ids: list[Id] = Field(default_factory=list, max_length=200)


class BoardIn(Input):
    name: str = text(..., min_length=1, max_length=200)
    terms_of_reference: str = text("", max_length=20000)
    quorum: whole_number(1, 100) = 3


class MemberIn(Input):
    person_name: str = text(..., min_length=1, max_length=150)
    position: str = text("", max_length=120)
    organisation_id: Id | None = None
    organisation_code: str | None = text(None, max_length=20)
    basis: MembershipBasis
    voting: Flag = True
    starts_on: Date | None = None
    ends_on: Date | None = None
    username: str | None = text(
        None, max_length=150, description="The member's own jointcare user, who then holds the seat (records meetings)"
    )


class MeetingIn(Input):
    held_on: Date
    title: str = text("", max_length=200)
    location: str = text("", max_length=200)
    attendee_ids: list[Id] = Field(default_factory=list, max_length=200)


class DecisionIn(Input):
    meeting_id: Id
    reference: str = text("", max_length=30)
    summary: str = text(..., min_length=1, max_length=300)
    detail: str = text("", max_length=20000)
    votes_for: Count | None = None
    votes_against: Count | None = None
    abstentions: Count | None = None


class AgreementFilters(Schema):
    q: str = text("", max_length=200)
    status: AgreementStatus | None = None
    kind: AgreementKind | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)


# --- converters ------------------------------------------------------------------------------------


def _org(o) -> dict:
    return {"id": o.pk, "name": o.name, "code": o.code, "kind": o.kind, "sector": o.sector}


def _party(p: Party) -> dict:
    return {"id": p.pk, "organisation": _org(p.organisation), "role": p.role, "role_label": p.role_label}


def _member(m: BoardMember) -> dict:
    return {
        "id": m.pk,
        "person_name": m.person_name,
        "position": m.position,
        "organisation": _org(m.organisation),
        "basis": m.basis,
        "basis_label": m.basis_label,
        "voting": m.voting,
        "starts_on": m.starts_on,
        "ends_on": m.ends_on,
        "username": m.user.username if m.user_id else None,
    }


def _meeting(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "held_on": m.held_on,
        "status": m.status,
        "title": m.title,
        "location": m.location,
        "attendee_ids": sorted(a.pk for a in m.attendees.all()),
    }


def _decision(d: Decision) -> dict:
    return {
        "id": d.pk,
        "meeting_id": d.meeting_id,
        "held_on": d.meeting.held_on,
        "reference": d.reference,
        "summary": d.summary,
        "detail": d.detail,
        "votes_for": d.votes_for,
        "votes_against": d.votes_against,
        "abstentions": d.abstentions,
        "recorded_by": d.recorded_by.username if d.recorded_by_id else None,
    }


def _board(board: Board | None) -> dict | None:
    if board is None:
        return None
    members = board.members.select_related("organisation", "user").order_by("person_name", "id")
    return {
        "id": board.pk,
        "name": board.name,
        "terms_of_reference": board.terms_of_reference,
        "quorum": board.quorum,
        "members": [_member(m) for m in members],
    }


def _meetings(board: Board | None) -> list[dict]:
    if board is None:
        return []
    return [_meeting(m) for m in board.meetings.prefetch_related("attendees").order_by("held_on", "id")]


def _decisions(board: Board | None) -> list[dict]:
    if board is None:
        return []
    qs = Decision.objects.filter(meeting__board=board).select_related("meeting", "recorded_by")
    return [_decision(d) for d in qs.order_by("meeting__held_on", "id")]


def _detail(agreement: Agreement) -> dict:
    board = services.board_of(agreement)
    status = agreement.status_today
    parties = agreement.parties.select_related("organisation").order_by("role", "organisation__name")
    return {
        "id": agreement.pk,
        "name": agreement.name,
        "kind": agreement.kind,
        "kind_label": agreement.kind_label,
        "status": status,
        "status_label": agreement.status_label,
        "actions": actions_open(status),
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "ended_on": agreement.ended_on,
        "end_reason": agreement.end_reason,
        "scope": agreement.scope,
        "legal_basis": agreement.legal_basis,
        "parties": [_party(p) for p in parties],
        "board": _board(board),
        "meetings": _meetings(board),
        "decisions": _decisions(board),
    }


def _summary(a: Agreement) -> dict:
    host = a.host_parties[0].organisation if a.host_parties else None
    return {
        "id": a.pk,
        "name": a.name,
        "kind": a.kind,
        "kind_label": a.kind_label,
        "status": a.status_today,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "ended_on": a.ended_on,
        "host": _org(host) if host else None,
        "party_count": a.party_count,
    }


def _need_board(agreement: Agreement) -> Board:
    board = services.board_of(agreement)
    if board is None:
        raise NotFound(f"{agreement.name} has no board yet: create it first", field="board")
    return board


def _meeting_of(board: Board, meeting_id: int, field: str) -> Meeting:
    meeting = Meeting.objects.filter(board=board, pk=meeting_id).first()
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id} of this board", field=field)
    return meeting


def _choose_org(organisation_id, organisation_code, prefix: str = ""):
    if not organisation_id and not organisation_code:
        raise FieldError("Give organisation_id or organisation_code", field=f"{prefix}organisation_id")
    field = f"{prefix}organisation_code" if organisation_code else f"{prefix}organisation_id"
    return organisations.resolve(pk=organisation_id, code=organisation_code, field=field)


def _seat_holder(username: str | None):
    if not username:
        return None
    from jointcare.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise FieldError(f"No user called '{username}'", field="username")
    return user


# --- endpoints -------------------------------------------------------------------------------------


@router.get("", response={200: AgreementPage, **READ_ERRORS}, summary="Partnership agreements")
def list_agreements(request, filters: Query[AgreementFilters]):
    check(api_user(request), "partnerships.view")
    qs = services.agreements(
        filters.status.value if filters.status else "", filters.kind.value if filters.kind else "", filters.q.strip()
    )
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": [_summary(a) for a in items]}


@router.post("", response={201: AgreementOut, **WRITE_ERRORS}, summary="Create a draft agreement with its parties")
def create_agreement(request, payload: AgreementIn):
    user = api_user(request)
    check(user, "partnerships.create")
    parties = [
        (_choose_org(p.organisation_id, p.organisation_code, f"parties.{i}."), p.role.value)
        for i, p in enumerate(payload.parties)
    ]
    data = payload.dict(exclude={"parties"})
    data["kind"] = data["kind"].value
    agreement = services.create_agreement(user, parties=parties, **data)
    return Status(201, _detail(agreement))


@router.get("/{agreement_id}", response={200: AgreementOut, **READ_ERRORS}, summary="One agreement with its parties, board and log")
def get_agreement(request, agreement_id: PathId):
    check(api_user(request), "partnerships.view")
    return _detail(services.get_agreement(agreement_id))


@router.patch("/{agreement_id}", response={200: AgreementOut, **WRITE_ERRORS}, summary="Change an agreement's details")
def patch_agreement(request, agreement_id: PathId, payload: AgreementPatch):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    changes = payload.dict(exclude_unset=True)
    if changes.get("kind") is not None:
        changes["kind"] = changes["kind"].value
    for key in ("name", "kind", "starts_on"):
        if key in changes and changes[key] is None:
            raise FieldError(f"{key} cannot be empty", field=key)
    agreement = services.update_agreement(user, agreement, **changes)
    return _detail(agreement)


@router.post(
    "/{agreement_id}/start",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Start a draft agreement",
    description="Refused (409) before its start date or after its end date, and (400) without the parties it needs.",
)
def start_agreement(request, agreement_id: PathId):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    return _detail(services.start_agreement(user, agreement))


@router.post(
    "/{agreement_id}/end",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="End an active agreement today",
    description="By the parties' agreement, before its end date or when it has none. It then changes no more.",
)
def end_agreement(request, agreement_id: PathId):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    return _detail(services.end_agreement(user, agreement))


@router.post(
    "/{agreement_id}/terminate",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Terminate an agreement today, with the reason",
    description="A draft that will not go ahead, or an active agreement. It then changes no more.",
)
def terminate_agreement(request, agreement_id: PathId, payload: TerminateIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    return _detail(services.terminate_agreement(user, agreement, payload.reason))


@router.get("/{agreement_id}/parties", response={200: list[PartyOut], **READ_ERRORS}, summary="The parties to an agreement")
def list_parties(request, agreement_id: PathId):
    check(api_user(request), "partnerships.view")
    agreement = services.get_agreement(agreement_id)
    return [_party(p) for p in agreement.parties.select_related("organisation").order_by("role", "organisation__name")]


@router.post("/{agreement_id}/parties", response={201: PartyOut, **WRITE_ERRORS}, summary="Add a party")
def add_party(request, agreement_id: PathId, payload: PartyIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    org = _choose_org(payload.organisation_id, payload.organisation_code)
    party = services.add_party(user, agreement, org, payload.role.value)
    return Status(201, _party(party))


@router.get("/{agreement_id}/board", response={200: BoardOut, **READ_ERRORS}, summary="The agreement's board and members")
def get_board(request, agreement_id: PathId):
    check(api_user(request), "partnerships.view")
    return _board(_need_board(services.get_agreement(agreement_id)))


@router.post("/{agreement_id}/board", response={201: BoardOut, **WRITE_ERRORS}, summary="Create the agreement's board")
def create_board(request, agreement_id: PathId, payload: BoardIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    board = services.create_board(user, agreement, **payload.dict())
    return Status(201, _board(board))


@router.get("/{agreement_id}/board/members", response={200: list[MemberOut], **READ_ERRORS}, summary="Board members")
def list_members(request, agreement_id: PathId):
    check(api_user(request), "partnerships.view")
    return _board(_need_board(services.get_agreement(agreement_id)))["members"]


@router.post("/{agreement_id}/board/members", response={201: MemberOut, **WRITE_ERRORS}, summary="Add a board member")
def add_member(request, agreement_id: PathId, payload: MemberIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    board = _need_board(agreement)
    org = _choose_org(payload.organisation_id, payload.organisation_code)
    data = payload.dict(exclude={"organisation_id", "organisation_code", "username"})
    data["basis"] = data["basis"].value
    data["user"] = _seat_holder(payload.username)
    member = services.add_board_member(user, board, organisation=org, **data)
    return Status(201, _member(BoardMember.objects.select_related("organisation", "user").get(pk=member.pk)))


@router.get("/{agreement_id}/meetings", response={200: list[MeetingOut], **READ_ERRORS}, summary="Board meetings")
def list_meetings(request, agreement_id: PathId):
    check(api_user(request), "partnerships.view")
    return _meetings(_need_board(services.get_agreement(agreement_id)))


@router.post("/{agreement_id}/meetings", response={201: MeetingOut, **WRITE_ERRORS}, summary="Record a board meeting")
def record_meeting(request, agreement_id: PathId, payload: MeetingIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.decide", agreement)
    board = _need_board(agreement)
    meeting = services.record_meeting(
        user, board, held_on=payload.held_on, title=payload.title, location=payload.location, attendees=payload.attendee_ids
    )
    return Status(201, _meeting(meeting))


@router.put(
    "/{agreement_id}/meetings/{meeting_id}/attendees",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Record who attended a meeting that has been held",
    description="Refused (409) for a scheduled meeting, and once decisions have been recorded at it.",
)
def record_attendance(request, agreement_id: PathId, meeting_id: PathId, payload: AttendanceIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.decide", agreement)
    meeting = _meeting_of(_need_board(agreement), meeting_id, "meeting_id")
    return _meeting(services.record_attendance(user, meeting, payload.attendee_ids))


@router.get("/{agreement_id}/decisions", response={200: list[DecisionOut], **READ_ERRORS}, summary="The decision log")
def list_decisions(request, agreement_id: PathId):
    check(api_user(request), "partnerships.view")
    return _decisions(_need_board(services.get_agreement(agreement_id)))


@router.post("/{agreement_id}/decisions", response={201: DecisionOut, **WRITE_ERRORS}, summary="Record a decision")
def record_decision(request, agreement_id: PathId, payload: DecisionIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.decide", agreement)
    board = _need_board(agreement)
    meeting = _meeting_of(board, payload.meeting_id, "meeting_id")
    data = payload.dict(exclude={"meeting_id"})
    decision = services.record_decision(user, meeting, **data)
    return Status(201, _decision(Decision.objects.select_related("meeting", "recorded_by").get(pk=decision.pk)))
