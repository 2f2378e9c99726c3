"""Every write about partnership agreements, boards, meetings and decisions.

Each service validates its input (raising FieldError naming the field), runs in one transaction and writes
exactly one audit entry with the values before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet

from jointcare.audit.services import record, snapshot
from jointcare.errors import Conflict, FieldError, NotFound
from jointcare.organisations.models import Organisation
from jointcare.partnerships.domain import (
    AgreementKind,
    AgreementStatus,
    MembershipBasis,
    PartyRole,
    activation_problems,
    membership_error,
    party_problems,
    transition_error,
    vote_error,
)
from jointcare.partnerships.models import Agreement, Board, BoardMember, Decision, Meeting, Party

AGREEMENT_EDITABLE = ("name", "kind", "starts_on", "ends_on", "scope", "legal_basis")


def _fail(errors: list[tuple[str, str]]):
    if errors:
        raise FieldError(errors[0][1], field=errors[0][0], errors=[{"field": f, "message": m} for f, m in errors])


def _text(value, field: str, label: str, max_length: int, required: bool = False, errors=None) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        errors.append((field, f"Remove the invisible NUL character from the {label}"))
        return value.replace("\x00", "")
    if required and not value:
        errors.append((field, f"Enter the {label}"))
    elif len(value) > max_length:
        errors.append((field, f"The {label} must be {max_length} characters or fewer"))
    return value


def _date(value, field: str, label: str, errors, required: bool = False):
    if value in (None, ""):
        if required:
            errors.append((field, f"Enter the {label}"))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append((field, f"Enter the {label} as a date, for example 2025-04-01"))
        return None


def _role(value, field: str = "role") -> PartyRole:
    try:
        return PartyRole(value)
    except ValueError:
        raise FieldError(
            f"'{value}' is not a party role. Roles are: {', '.join(r.value for r in PartyRole)}", field=field
        ) from None


def _organisation(value, field: str = "organisation") -> Organisation:
    if isinstance(value, Organisation):
        return value
    org = Organisation.objects.filter(pk=value).first() if str(value or "").isdigit() else None
    if org is None:
        raise NotFound(f"No organisation with id {value}", field=field)
    return org


# --- reads -----------------------------------------------------------------------------------------


def agreements(status: str = "", kind: str = "", q: str = "") -> QuerySet[Agreement]:
    """Agreements for list pages: a fixed number of queries whatever the number of rows."""
    qs = Agreement.objects.annotate(party_count=Count("parties", distinct=True)).prefetch_related(
        Prefetch(
            "parties",
            queryset=Party.objects.filter(role=PartyRole.HOST).select_related("organisation"),
            to_attr="host_parties",
        )
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    q = (q or "").replace("\x00", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(parties__organisation__name__icontains=q)).distinct()
    return qs.order_by("name", "id")


def get_agreement(pk, *, field: str = "id") -> Agreement:
    agreement = Agreement.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if agreement is None:
        raise NotFound(f"No partnership agreement with id {pk}", field=field)
    return agreement


def board_of(agreement: Agreement) -> Board | None:
    return Board.objects.filter(agreement=agreement).first()


def _party_roles(agreement: Agreement) -> list[tuple[str, str]]:
    return [(p.role, p.organisation.sector) for p in agreement.parties.select_related("organisation")]


def _locked(agreement: Agreement, what: str) -> None:
    if agreement.status == AgreementStatus.ENDED:
        raise Conflict(f"The agreement has ended: {what} can no longer be changed", field="status")


# --- agreements ------------------------------------------------------------------------------------


@transaction.atomic
def create_agreement(
    actor,
    *,
    name: str,
    kind: str,
    starts_on,
    ends_on=None,
    scope: str = "",
    legal_basis: str = "",
    parties: Iterable[tuple[Organisation | int, str]] = (),
) -> Agreement:
    """Create a draft agreement with its parties, each (organisation, role)."""
    errors: list[tuple[str, str]] = []
    name = _text(name, "name", "name of the agreement", 200, required=True, errors=errors)
    try:
        kind = AgreementKind(kind).value
    except ValueError:
        errors.append(("kind", f"'{kind}' is not a kind of agreement. Kinds are: {', '.join(k.value for k in AgreementKind)}"))
        kind = None
    starts_on = _date(starts_on, "starts_on", "start date", errors, required=True)
    ends_on = _date(ends_on, "ends_on", "end date", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(("ends_on", "The end date must be on or after the start date"))
    scope = _text(scope, "scope", "scope", 5000, errors=errors)
    legal_basis = _text(legal_basis, "legal_basis", "legal basis", 200, errors=errors)
    _fail(errors)

    resolved: list[tuple[Organisation, PartyRole]] = []
    seen: set[int] = set()
    for i, (org, role) in enumerate(parties):
        org = _organisation(org, field=f"parties.{i}.organisation")
        role = _role(role, field=f"parties.{i}.role")
        if org.pk in seen:
            raise FieldError(f"{org.name} is listed twice as a party", field=f"parties.{i}.organisation")
        seen.add(org.pk)
        resolved.append((org, role))
    _fail([("parties", m) for _, m in party_problems(kind, [(r, o.sector) for o, r in resolved])])

    agreement = Agreement.objects.create(
        name=name, kind=kind, starts_on=starts_on, ends_on=ends_on, scope=scope, legal_basis=legal_basis
    )
    Party.objects.bulk_create([Party(agreement=agreement, organisation=o, role=r.value) for o, r in resolved])
    after = snapshot(agreement)
    after["parties"] = [{"organisation": o.pk, "role": r.value} for o, r in resolved]
    record(actor, "agreement.create", agreement, after=after, summary=f"Created agreement {name}")
    return agreement


@transaction.atomic
def update_agreement(actor, agreement: Agreement | int, **changes) -> Agreement:
    """Change the name, kind (while a draft), dates, scope or legal basis of an agreement."""
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    agreement = Agreement.objects.select_for_update().filter(pk=pk).first()
    if agreement is None:
        raise NotFound(f"No partnership agreement with id {pk}", field="id")
    unknown = sorted(set(changes) - set(AGREEMENT_EDITABLE))
    if unknown:
        hint = ": use change_status" if unknown[0] == "status" else ""
        raise FieldError(f"'{unknown[0]}' cannot be changed here{hint}", field=unknown[0])
    _locked(agreement, "its details")
    before = snapshot(agreement)
    errors: list[tuple[str, str]] = []
    if "name" in changes:
        agreement.name = _text(changes["name"], "name", "name of the agreement", 200, required=True, errors=errors)
    if "kind" in changes and changes["kind"] != agreement.kind:
        try:
            new_kind = AgreementKind(changes["kind"]).value
        except ValueError:
            errors.append(("kind", f"'{changes['kind']}' is not a kind of agreement"))
        else:
            if agreement.status != AgreementStatus.DRAFT:
                errors.append(("kind", "The kind of agreement can only change while it is a draft"))
            else:
                errors.extend(("kind", m) for _, m in party_problems(new_kind, _party_roles(agreement)))
                agreement.kind = new_kind
    if "starts_on" in changes:
        agreement.starts_on = _date(changes["starts_on"], "starts_on", "start date", errors, required=True)
    if "ends_on" in changes:
        agreement.ends_on = _date(changes["ends_on"], "ends_on", "end date", errors)
    if agreement.starts_on and agreement.ends_on and agreement.ends_on < agreement.starts_on:
        errors.append(("ends_on", "The end date must be on or after the start date"))
    if "scope" in changes:
        agreement.scope = _text(changes["scope"], "scope", "scope", 5000, errors=errors)
    if "legal_basis" in changes:
        agreement.legal_basis = _text(changes["legal_basis"], "legal_basis", "legal basis", 200, errors=errors)
    _fail(errors)
    agreement.save()
    record(actor, "agreement.update", agreement, before=before, after=snapshot(agreement), summary=f"Changed {agreement.name}")
    return agreement


@transaction.atomic
def change_status(actor, agreement: Agreement | int, status: str) -> Agreement:
    """Move an agreement along its life: draft -> active -> ended (or draft -> ended)."""
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    agreement = Agreement.objects.select_for_update().filter(pk=pk).first()
    if agreement is None:
        raise NotFound(f"No partnership agreement with id {pk}", field="id")
    problem = transition_error(agreement.status, status)
    if problem:
        if status not in AgreementStatus.__members__.values():
            raise FieldError(problem, field="status")
        raise Conflict(problem, field="status")
    if status == AgreementStatus.ACTIVE:
        _fail(activation_problems(agreement.kind, _party_roles(agreement)))
    before = snapshot(agreement, ["status"])
    agreement.status = status
    agreement.save(update_fields=["status"])
    record(
        actor,
        "agreement.status",
        agreement,
        before=before,
        after=snapshot(agreement, ["status"]),
        summary=f"{agreement.name}: {before['status']} -> {status}",
    )
    return agreement


@transaction.atomic
def add_party(actor, agreement: Agreement, organisation: Organisation | int, role: str) -> Party:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _locked(agreement, "its parties")
    organisation = _organisation(organisation)
    role = _role(role)
    existing = list(agreement.parties.select_related("organisation"))
    if any(p.organisation_id == organisation.pk for p in existing):
        raise FieldError(f"{organisation.name} is already a party to this agreement", field="organisation")
    roles = [(p.role, p.organisation.sector) for p in existing] + [(role.value, organisation.sector)]
    _fail(party_problems(agreement.kind, roles))
    try:
        with transaction.atomic():
            party = Party.objects.create(agreement=agreement, organisation=organisation, role=role.value)
    except IntegrityError:
        raise FieldError(f"{organisation.name} is already a party to this agreement", field="organisation") from None
    record(
        actor,
        "agreement.add_party",
        party,
        after=snapshot(party),
        summary=f"{organisation.name} joined {agreement.name} as {party.role_label.lower()}",
    )
    return party


# --- boards, members, meetings, decisions ---------------------------------------------------------


@transaction.atomic
def create_board(actor, agreement: Agreement, *, name: str, terms_of_reference: str = "", quorum: int = 3) -> Board:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _locked(agreement, "its board")
    if Board.objects.filter(agreement=agreement).exists():
        raise Conflict(f"{agreement.name} already has a board", field="board")
    errors: list[tuple[str, str]] = []
    name = _text(name, "name", "name of the board", 200, required=True, errors=errors)
    terms = _text(terms_of_reference, "terms_of_reference", "terms of reference", 20000, errors=errors)
    if not isinstance(quorum, int) or isinstance(quorum, bool) or quorum < 1 or quorum > 100:
        errors.append(("quorum", "The quorum must be a whole number from 1 to 100"))
    _fail(errors)
    board = Board.objects.create(agreement=agreement, name=name, terms_of_reference=terms, quorum=quorum)
    record(actor, "board.create", board, after=snapshot(board), summary=f"Created board {name} for {agreement.name}")
    return board


@transaction.atomic
def add_board_member(
    actor,
    board: Board,
    *,
    person_name: str,
    organisation: Organisation | int,
    basis: str,
    voting: bool = True,
    position: str = "",
    starts_on=None,
    ends_on=None,
    user=None,
) -> BoardMember:
    """Seat a person on the board. Their organisation must be a party to the agreement, unless co-opted."""
    board = Board.objects.select_related("agreement").get(pk=board.pk)
    _locked(board.agreement, "its board")
    errors: list[tuple[str, str]] = []
    person_name = _text(person_name, "person_name", "member's name", 150, required=True, errors=errors)
    position = _text(position, "position", "position", 120, errors=errors)
    try:
        basis = MembershipBasis(basis).value
    except ValueError:
        errors.append(("basis", f"'{basis}' is not a basis of membership. Bases are: {', '.join(b.value for b in MembershipBasis)}"))
        basis = None
    starts_on = _date(starts_on, "starts_on", "start date", errors)
    ends_on = _date(ends_on, "ends_on", "end date", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(("ends_on", "The end date must be on or after the start date"))
    _fail(errors)
    organisation = _organisation(organisation)
    is_party = Party.objects.filter(agreement_id=board.agreement_id, organisation=organisation).exists()
    problem = membership_error(basis, organisation.sector, is_party)
    if problem:
        _fail([problem])
    if user is not None and user.organisation_id != organisation.pk:
        # A seat gives its holder the board's rights (decision 0040): only someone of that organisation holds it.
        _fail([("username", f"The user {user.username} is not of {organisation.name}: a seat is held by someone of the member's organisation")])
    member = BoardMember.objects.create(
        board=board,
        person_name=person_name,
        organisation=organisation,
        basis=basis,
        voting=bool(voting),
        position=position,
        starts_on=starts_on,
        ends_on=ends_on,
        user=user,
    )
    record(
        actor,
        "board.add_member",
        member,
        after=snapshot(member),
        summary=f"{person_name} joined {board.name} ({member.basis_label.lower()}, {'voting' if voting else 'non-voting'})",
    )
    return member


@transaction.atomic
def record_meeting(
    actor, board: Board, *, held_on, title: str = "", location: str = "", attendees: Iterable[BoardMember | int] = ()
) -> Meeting:
    errors: list[tuple[str, str]] = []
    held_on = _date(held_on, "held_on", "date of the meeting", errors, required=True)
    title = _text(title, "title", "title", 200, errors=errors)
    location = _text(location, "location", "location", 200, errors=errors)
    _fail(errors)
    ids = {a.pk if isinstance(a, BoardMember) else a for a in attendees}
    members = list(BoardMember.objects.filter(board=board, pk__in=[i for i in ids if str(i).isdigit()]))
    if len(members) != len(ids):
        missing = sorted(str(i) for i in ids - {m.pk for m in members})
        raise FieldError(f"Not members of this board: {', '.join(missing)}", field="attendees")
    meeting = Meeting.objects.create(board=board, held_on=held_on, title=title or f"{board.name} meeting", location=location)
    meeting.attendees.set(members)
    after = snapshot(meeting)
    after["attendees"] = sorted(m.pk for m in members)
    record(actor, "board.record_meeting", meeting, after=after, summary=f"Meeting of {board.name} on {held_on}")
    return meeting


def _next_reference(board: Board, held_on: dt.date) -> str:
    count = Decision.objects.filter(meeting__board=board).count()
    return f"D{held_on.year}-{count + 1:03d}"


@transaction.atomic
def record_decision(
    actor,
    meeting: Meeting,
    *,
    summary: str,
    detail: str = "",
    reference: str = "",
    votes_for: int | None = None,
    votes_against: int | None = None,
    abstentions: int | None = None,
) -> Decision:
    """Add a decision to the board's log. References are unique within a board; a blank one is numbered."""
    meeting = Meeting.objects.select_related("board").get(pk=meeting.pk)
    board = Board.objects.select_for_update().get(pk=meeting.board_id)
    errors: list[tuple[str, str]] = []
    summary = _text(summary, "summary", "decision", 300, required=True, errors=errors)
    detail = _text(detail, "detail", "detail", 20000, errors=errors)
    reference = _text(reference, "reference", "reference", 30, errors=errors)
    _fail(errors)
    reference = reference or _next_reference(board, meeting.held_on)
    if Decision.objects.filter(meeting__board=board, reference=reference).exists():
        raise FieldError(f"The decision log already has a decision {reference}", field="reference")
    attendees = list(meeting.attendees.all())
    voting_present = sum(1 for m in attendees if m.voting) if attendees else None
    problem = vote_error(votes_for, votes_against, abstentions, voting_present, board.quorum)
    if problem:
        _fail([problem])
    decision = Decision.objects.create(
        meeting=meeting,
        reference=reference,
        summary=summary,
        detail=detail,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record(actor, "board.record_decision", decision, after=snapshot(decision), summary=f"{reference}: {summary}")
    return decision
