"""Partnerships API: agreements, parties, status, board, members, meetings and the decision log."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from jointcare.accounts.access import api_user, check
from jointcare.errors import FieldError, NotFound
from jointcare.organisations import services as organisations
from jointcare.organisations.api import ERRORS
from jointcare.partnerships import services
from jointcare.partnerships.domain import (
    STATUS_LABELS,
    AgreementKind,
    AgreementStatus,
    MembershipBasis,
    PartyRole,
)
from jointcare.partnerships.models import Agreement, Board, BoardMember, Decision, Meeting, Party

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
    title: str
    location: str
    attendee_ids: list[int]


class AgreementSummary(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    status: str
    starts_on: dt.date
    ends_on: dt.date | None
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
    status: str
    status_label: str
    starts_on: dt.date
    ends_on: dt.date | None
    scope: str
    legal_basis: str
    parties: list[PartyOut]
    board: BoardOut | None
    meetings: list[MeetingOut]
    decisions: list[DecisionOut]


class PartyIn(Schema):
    organisation_id: int | None = None
    organisation_code: str | None = Field(None, max_length=20, description="ODS or GSS code, instead of organisation_id")
    role: PartyRole


class AgreementIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: AgreementKind
    starts_on: dt.date
    ends_on: dt.date | None = None
    scope: str = Field("", max_length=5000)
    legal_basis: str = Field("", max_length=200)
    parties: list[PartyIn] = Field(default_factory=list, max_length=100)


class AgreementPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: AgreementKind | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    scope: str | None = Field(None, max_length=5000)
    legal_basis: str | None = Field(None, max_length=200)


class AgreementStatusIn(Schema):
    status: AgreementStatus


class BoardIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    terms_of_reference: str = Field("", max_length=20000)
    quorum: int = Field(3, ge=1, le=100)


class MemberIn(Schema):
    person_name: str = Field(..., min_length=1, max_length=150)
    position: str = Field("", max_length=120)
    organisation_id: int | None = None
    organisation_code: str | None = Field(None, max_length=20)
    basis: MembershipBasis
    voting: bool = True
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    username: str | None = Field(
        None, max_length=150, description="The member's own jointcare user, who then holds the seat (records meetings)"
    )


class MeetingIn(Schema):
    held_on: dt.date
    title: str = Field("", max_length=200)
    location: str = Field("", max_length=200)
    attendee_ids: list[int] = Field(default_factory=list, max_length=200)


class DecisionIn(Schema):
    meeting_id: int
    reference: str = Field("", max_length=30)
    summary: str = Field(..., min_length=1, max_length=300)
    detail: str = Field("", max_length=20000)
    votes_for: int | None = Field(None, ge=0)
    votes_against: int | None = Field(None, ge=0)
    abstentions: int | None = Field(None, ge=0)


class AgreementFilters(Schema):
    q: str = Field("", max_length=200)
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
    parties = agreement.parties.select_related("organisation").order_by("role", "organisation__name")
    return {
        "id": agreement.pk,
        "name": agreement.name,
        "kind": agreement.kind,
        "kind_label": agreement.kind_label,
        "status": agreement.status,
        "status_label": STATUS_LABELS[AgreementStatus(agreement.status)],
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
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
        "status": a.status,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "host": _org(host) if host else None,
        "party_count": a.party_count,
    }


def _need_board(agreement: Agreement) -> Board:
    board = services.board_of(agreement)
    if board is None:
        raise NotFound(f"{agreement.name} has no board yet: create it first", field="board")
    return board


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


@router.get("", response={200: AgreementPage, **ERRORS}, summary="Partnership agreements")
def list_agreements(request, filters: Query[AgreementFilters]):
    check(api_user(request), "partnerships.view")
    qs = services.agreements(
        filters.status.value if filters.status else "", filters.kind.value if filters.kind else "", filters.q.strip()
    )
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": [_summary(a) for a in items]}


@router.post("", response={201: AgreementOut, **ERRORS}, summary="Create a draft agreement with its parties")
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


@router.get("/{agreement_id}", response={200: AgreementOut, **ERRORS}, summary="One agreement with its parties, board and log")
def get_agreement(request, agreement_id: int):
    check(api_user(request), "partnerships.view")
    return _detail(services.get_agreement(agreement_id))


@router.patch("/{agreement_id}", response={200: AgreementOut, **ERRORS}, summary="Change an agreement's details")
def patch_agreement(request, agreement_id: int, payload: AgreementPatch):
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


@router.post("/{agreement_id}/status", response={200: AgreementOut, **ERRORS}, summary="Start or end an agreement")
def change_status(request, agreement_id: int, payload: AgreementStatusIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    agreement = services.change_status(user, agreement, payload.status.value)
    return _detail(agreement)


@router.get("/{agreement_id}/parties", response={200: list[PartyOut], **ERRORS}, summary="The parties to an agreement")
def list_parties(request, agreement_id: int):
    check(api_user(request), "partnerships.view")
    agreement = services.get_agreement(agreement_id)
    return [_party(p) for p in agreement.parties.select_related("organisation").order_by("role", "organisation__name")]


@router.post("/{agreement_id}/parties", response={201: PartyOut, **ERRORS}, summary="Add a party")
def add_party(request, agreement_id: int, payload: PartyIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    org = _choose_org(payload.organisation_id, payload.organisation_code)
    party = services.add_party(user, agreement, org, payload.role.value)
    return Status(201, _party(party))


@router.get("/{agreement_id}/board", response={200: BoardOut, **ERRORS}, summary="The agreement's board and members")
def get_board(request, agreement_id: int):
    check(api_user(request), "partnerships.view")
    return _board(_need_board(services.get_agreement(agreement_id)))


@router.post("/{agreement_id}/board", response={201: BoardOut, **ERRORS}, summary="Create the agreement's board")
def create_board(request, agreement_id: int, payload: BoardIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.edit", agreement)
    board = services.create_board(user, agreement, **payload.dict())
    return Status(201, _board(board))


@router.get("/{agreement_id}/board/members", response={200: list[MemberOut], **ERRORS}, summary="Board members")
def list_members(request, agreement_id: int):
    check(api_user(request), "partnerships.view")
    return _board(_need_board(services.get_agreement(agreement_id)))["members"]


@router.post("/{agreement_id}/board/members", response={201: MemberOut, **ERRORS}, summary="Add a board member")
def add_member(request, agreement_id: int, payload: MemberIn):
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


@router.get("/{agreement_id}/meetings", response={200: list[MeetingOut], **ERRORS}, summary="Board meetings")
def list_meetings(request, agreement_id: int):
    check(api_user(request), "partnerships.view")
    return _meetings(_need_board(services.get_agreement(agreement_id)))


@router.post("/{agreement_id}/meetings", response={201: MeetingOut, **ERRORS}, summary="Record a board meeting")
def record_meeting(request, agreement_id: int, payload: MeetingIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.decide", agreement)
    board = _need_board(agreement)
    meeting = services.record_meeting(
        user, board, held_on=payload.held_on, title=payload.title, location=payload.location, attendees=payload.attendee_ids
    )
    return Status(201, _meeting(meeting))


@router.get("/{agreement_id}/decisions", response={200: list[DecisionOut], **ERRORS}, summary="The decision log")
def list_decisions(request, agreement_id: int):
    check(api_user(request), "partnerships.view")
    return _decisions(_need_board(services.get_agreement(agreement_id)))


@router.post("/{agreement_id}/decisions", response={201: DecisionOut, **ERRORS}, summary="Record a decision")
def record_decision(request, agreement_id: int, payload: DecisionIn):
    user = api_user(request)
    agreement = services.get_agreement(agreement_id)
    check(user, "partnerships.decide", agreement)
    board = _need_board(agreement)
    meeting = Meeting.objects.filter(board=board, pk=payload.meeting_id).first()
    if meeting is None:
        raise NotFound(f"No meeting {payload.meeting_id} of this board", field="meeting_id")
    data = payload.dict(exclude={"meeting_id"})
    decision = services.record_decision(user, meeting, **data)
    return Status(201, _decision(Decision.objects.select_related("meeting", "recorded_by").get(pk=decision.pk)))
