"""Partnership pages: agreements, parties, the board and its members, meetings and the decision log."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jointcare.accounts.access import can, requires, your_agreements
from jointcare.accounts.models import User
from jointcare.errors import ServiceError
from jointcare.organisations import services as organisations
from jointcare.organisations.domain import Kind
from jointcare.organisations.forms import add_service_error, error_list, first_errors
from jointcare.organisations.models import Organisation
from jointcare.partnerships import services
from jointcare.partnerships.domain import (
    ACTION_LABELS,
    AGREEMENT_KIND_LABELS,
    CLOSED,
    HOSTED_KINDS,
    STATUS_LABELS,
    AgreementAction,
    AgreementKind,
    AgreementStatus,
    MeetingStatus,
    action_error,
    actions_open,
    long_date,
)
from jointcare.partnerships.forms import (
    AgreementEditForm,
    AgreementForm,
    AttendanceForm,
    BoardForm,
    DecisionForm,
    EndForm,
    MeetingForm,
    MemberForm,
    PartyForm,
    TerminateForm,
)
from jointcare.partnerships.models import Agreement, Board, BoardMember, Decision, Meeting

PAGE_SIZE = 50
# Kinds offered in the organisation select; the rest (thousands of GP practices, historic PCTs,
# districts) are reached by typing their code.
PARTNER_KINDS = [
    Kind.ICB,
    Kind.SUB_ICB,
    Kind.UPPER_TIER_COUNCIL,
    Kind.NHS_TRUST,
    Kind.PROVIDER,
    Kind.HOUSING,
]


def _not_found(request, message: str):
    return render(request, "partnerships/not_found.jinja", {"title": "Partnership not found", "message": message}, status=404)


def _agreement_or_none(pk: int) -> Agreement | None:
    return Agreement.objects.filter(pk=pk).first()


def with_agreement(board: bool = False):
    """Look up the agreement (and, with board=True, its board) for a view taking `pk`: an unknown id gets the
    not-found page; a missing board sends the user back to the agreement with a message."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, pk: int, **kwargs):
            agreement = _agreement_or_none(pk)
            if agreement is None:
                return _not_found(request, f"There is no partnership agreement with id {pk}.")
            if not board:
                return view(request, agreement, **kwargs)
            found = Board.objects.filter(agreement=agreement).first()
            if found is None:
                messages.error(request, "Create the board first.")
                return redirect("partnerships:detail", agreement.pk)
            return view(request, agreement, found, **kwargs)

        return wrapped

    return decorate


def organisation_items(prompt: str, first: list[Organisation] = ()) -> list[dict]:
    """Options for an organisation select: `first` (e.g. the agreement's parties), then likely partners."""
    items = [{"value": "", "text": prompt}]
    seen = set()
    for org in first:
        seen.add(org.pk)
        items.append({"value": str(org.pk), "text": f"{org.name} ({org.code or org.kind_label})"})
    others = (
        Organisation.objects.filter(active=True, kind__in=[k.value for k in PARTNER_KINDS])
        .exclude(pk__in=seen)
        .only("id", "name", "ods_code", "gss_code", "kind")
        .order_by("name")
    )
    if first and others:
        items.append({"value": "", "text": "── Other organisations ──", "disabled": True})
    for org in others:
        items.append({"value": str(org.pk), "text": f"{org.name} ({org.code or org.kind_label})"})
    return items


def _chosen_organisation(form, code_field: str, id_field: str, required_message: str):
    if code_field in form.errors:
        return None  # already told what is wrong with the code
    code = form.cleaned_data.get(code_field, "")
    pk = form.cleaned_data.get(id_field, "")
    if not code and not pk:
        form.add_error(code_field, required_message)
        return None
    try:
        return organisations.resolve(pk=pk, code=code, field=code_field)
    except ServiceError as exc:
        form.add_error(code_field, exc.message)
        return None


def _page(request, template: str, context: dict, form=None, status: int = 200):
    if form is not None:
        context.update(form=form, errors=first_errors(form), error_list=error_list(form))
        if request.method == "POST" and form.errors:
            status = 400
    return render(request, f"partnerships/{template}", context, status=status)


def _kind_items(prompt="Choose a kind"):
    return [{"value": "", "text": prompt}] + [{"value": k.value, "text": AGREEMENT_KIND_LABELS[k]} for k in AgreementKind]


# --- agreements ------------------------------------------------------------------------------------


@requires("partnerships.view")
def agreement_list(request):
    status = request.GET.get("status", "")
    status = status if status in AgreementStatus.__members__.values() else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in AgreementKind.__members__.values() else ""
    q = request.GET.get("q", "").strip()[:200]
    page = Paginator(services.agreements(status, kind, q), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in (("q", q), ("status", status), ("kind", kind)) if v])
    return render(
        request,
        "partnerships/list.jinja",
        {
            "title": "Partnerships",
            "page": page,
            "q": q,
            "status": status,
            "kind": kind,
            "query": query,
            "kinds": _kind_items("Any kind"),
            "statuses": [{"value": "", "text": "Any status"}]
            + [{"value": s.value, "text": STATUS_LABELS[s]} for s in AgreementStatus],
            "can_edit": can(request.user, "partnerships.create"),
            "yours": your_agreements(request.user),
        },
    )


@requires("partnerships.create")
@require_http_methods(["GET", "POST"])
def agreement_create(request):
    form = AgreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        form.is_valid()  # fills cleaned_data with the fields that are valid; the host is checked either way
        data = dict(form.cleaned_data)
        code, pk = data.pop("host_code", ""), data.pop("host_id", "")
        host = None
        if code or pk:
            try:
                host = organisations.resolve(pk=pk, code=code, field="host_code")
            except ServiceError as exc:
                form.add_error("host_code", exc.message)
        elif request.POST.get("kind") in HOSTED_KINDS:
            form.add_error(
                "host_code",
                "Choose the host partner, or enter its ODS or GSS code: a Section 75 pooled fund needs one host",
            )
        if not form.errors:
            try:
                agreement = services.create_agreement(request.user, parties=[(host, "host")] if host else [], **data)
            except ServiceError as exc:
                add_service_error(form, exc, AgreementForm.FIELD_MAP)
            else:
                messages.success(request, f"{agreement.name} created. Now add the other parties and the board.")
                return redirect("partnerships:detail", agreement.pk)
    return _page(
        request,
        "agreement_form.jinja",
        {
            "title": "New partnership agreement",
            "kinds": _kind_items(),
            "organisations": organisation_items("Choose the host partner"),
        },
        form,
    )


@requires("partnerships.view", scope="agreement")
@with_agreement()
def agreement_detail(request, agreement: Agreement):
    today = timezone.localdate()
    status = agreement.status_on(today)
    parties = list(agreement.parties.select_related("organisation").order_by("role", "organisation__name"))
    board = Board.objects.filter(agreement=agreement).first()
    members, meetings, decisions = [], [], []
    if board is not None:
        members = list(board.members.select_related("organisation").order_by("person_name"))
        meetings = list(
            board.meetings.prefetch_related("attendees").annotate(decision_count=Count("decisions")).order_by("-held_on", "-id")
        )
        decisions = list(
            Decision.objects.filter(meeting__board=board).select_related("meeting").order_by("meeting__held_on", "id")
        )
    open_ = actions_open(status)
    start_blocked = None
    if AgreementAction.START in open_:
        problem = action_error(
            AgreementAction.START, status, starts_on=agreement.starts_on, ends_on=agreement.ends_on, today=today
        )
        start_blocked = problem[1] if problem else None
    return render(
        request,
        "partnerships/detail.jinja",
        {
            "title": agreement.name,
            "agreement": agreement,
            "status": status,
            "status_label": STATUS_LABELS[status],
            "parties": parties,
            "board": board,
            "members": members,
            "meetings": meetings,
            "held_meetings": any(m.status == MeetingStatus.HELD for m in meetings),
            "decisions": decisions,
            "can_start": AgreementAction.START in open_,
            "start_blocked": start_blocked,
            "can_end": AgreementAction.END in open_,
            "can_terminate": AgreementAction.TERMINATE in open_,
            "can_edit": can(request.user, "partnerships.edit", agreement) and status not in CLOSED,
            "can_extend": can(request.user, "partnerships.edit", agreement) and agreement.status == AgreementStatus.ACTIVE
            and status == AgreementStatus.ENDED,
            "can_act": can(request.user, "partnerships.edit", agreement),
            "can_decide": can(request.user, "partnerships.decide", agreement),
        },
    )


@requires("partnerships.edit", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement()
def agreement_edit(request, agreement: Agreement):
    initial = {f: getattr(agreement, f) for f in services.AGREEMENT_EDITABLE}
    form = AgreementEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        # Only what changed: an agreement that ended by its date may still have its end date extended.
        changes = {f: v for f, v in form.cleaned_data.items() if v != initial[f]}
        try:
            services.update_agreement(request.user, agreement, **changes)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Agreement updated.")
            return redirect("partnerships:detail", agreement.pk)
    return _page(
        request,
        "agreement_edit.jinja",
        {"title": f"Change {agreement.name}", "agreement": agreement, "kinds": _kind_items()},
        form,
    )


@requires("partnerships.edit", scope="agreement")
@require_POST
@with_agreement()
def agreement_start(request, agreement: Agreement):
    try:
        services.start_agreement(request.user, agreement)
    except ServiceError as exc:
        for err in exc.errors:
            messages.error(request, err["message"])
    else:
        messages.success(request, f"{agreement.name} has started: it is now active.")
    return redirect("partnerships:detail", agreement.pk)


def _confirm_action(request, agreement: Agreement, action: AgreementAction, form_class):
    """The confirmation page for ending or terminating: a warning, the button, and a way back."""
    today = timezone.localdate()
    status = agreement.status_on(today)
    if action not in actions_open(status):
        problem = action_error(action, status, starts_on=agreement.starts_on, ends_on=agreement.ends_on, today=today)
        messages.error(request, problem[1])
        return redirect("partnerships:detail", agreement.pk)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.take_action(request.user, agreement, action, form.cleaned_data.get("reason", ""))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            done = "ended" if action == AgreementAction.END else "been terminated"
            messages.success(request, f"{agreement.name} has {done} today, {long_date(today)}.")
            return redirect("partnerships:detail", agreement.pk)
    pools = getattr(agreement, "pools", None)
    return _page(
        request,
        "agreement_confirm.jinja",
        {
            "title": f"{ACTION_LABELS[action]}: {agreement.name}",
            "agreement": agreement,
            "action": action.value,
            "action_label": ACTION_LABELS[action],
            "status": status,
            "today": today,
            "pool_count": pools.count() if pools is not None else 0,
        },
        form,
    )


@requires("partnerships.edit", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement()
def agreement_end(request, agreement: Agreement):
    return _confirm_action(request, agreement, AgreementAction.END, EndForm)


@requires("partnerships.edit", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement()
def agreement_terminate(request, agreement: Agreement):
    return _confirm_action(request, agreement, AgreementAction.TERMINATE, TerminateForm)


@requires("partnerships.edit", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement()
def party_add(request, agreement: Agreement):
    form = PartyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        org = _chosen_organisation(
            form, "organisation_code", "organisation_id", "Choose the organisation, or enter its ODS or GSS code"
        )
        if org is not None:
            try:
                services.add_party(request.user, agreement, org, form.cleaned_data["role"])
            except ServiceError as exc:
                add_service_error(form, exc, PartyForm.FIELD_MAP)
            else:
                messages.success(request, f"{org.name} added as a party.")
                return redirect("partnerships:detail", agreement.pk)
    return _page(
        request,
        "party_form.jinja",
        {
            "title": f"Add a party to {agreement.name}",
            "agreement": agreement,
            "organisations": organisation_items("Choose an organisation"),
            "roles": PartyForm.base_fields["role"].choices,
        },
        form,
    )


@requires("partnerships.edit", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement()
def board_create(request, agreement: Agreement):
    if Board.objects.filter(agreement=agreement).exists():
        messages.error(request, f"{agreement.name} already has a board.")
        return redirect("partnerships:detail", agreement.pk)
    form = BoardForm(request.POST if request.method == "POST" else None, initial={"name": f"{agreement.name} board", "quorum": 3})
    if request.method == "POST" and form.is_valid():
        try:
            services.create_board(request.user, agreement, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Board created. Now add its members.")
            return redirect("partnerships:detail", agreement.pk)
    return _page(request, "board_form.jinja", {"title": "Create the board", "agreement": agreement}, form)


@requires("partnerships.edit", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement(board=True)
def member_add(request, agreement: Agreement, board: Board):
    form = MemberForm(request.POST if request.method == "POST" else None, initial={"voting": "yes"})
    if request.method == "POST":
        form.is_valid()  # every field checked, then the organisation and user too: every error at once
        org = _chosen_organisation(
            form, "organisation_code", "organisation_id", "Choose the member's organisation, or enter its ODS or GSS code"
        )
        data = dict(form.cleaned_data)
        username = data.get("username") or ""
        holder = User.objects.filter(username=username).first() if username else None
        if username and holder is None:
            form.add_error("username", f"No user called '{username}'")
        if not form.errors and org is not None:
            try:
                services.add_board_member(
                    request.user,
                    board,
                    person_name=data["person_name"],
                    organisation=org,
                    basis=data["basis"],
                    voting=data["voting"] == "yes",
                    position=data["position"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    user=holder,
                )
            except ServiceError as exc:
                add_service_error(form, exc, MemberForm.FIELD_MAP)
            else:
                messages.success(request, f"{data['person_name']} added to the board.")
                return redirect("partnerships:detail", agreement.pk)
    party_orgs = [p.organisation for p in agreement.parties.select_related("organisation").order_by("organisation__name")]
    return _page(
        request,
        "member_form.jinja",
        {
            "title": f"Add a member to {board.name}",
            "agreement": agreement,
            "board": board,
            "organisations": organisation_items("Choose an organisation", party_orgs),
            "bases": MemberForm.base_fields["basis"].choices,
        },
        form,
    )


@requires("partnerships.decide", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement(board=True)
def meeting_record(request, agreement: Agreement, board: Board):
    members = list(BoardMember.objects.filter(board=board).select_related("organisation"))
    form = MeetingForm(request.POST if request.method == "POST" else None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_meeting(
                request.user,
                board,
                held_on=data["held_on"],
                title=data["title"],
                location=data["location"],
                attendees=[int(a) for a in data["attendees"]],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            held_on = long_date(data["held_on"])
            scheduled = data["held_on"] > timezone.localdate()
            messages.success(request, f"Meeting {'scheduled for' if scheduled else 'on'} {held_on} added.")
            return redirect("partnerships:detail", agreement.pk)
    chosen = set(form["attendees"].value() or [])
    return _page(
        request,
        "meeting_form.jinja",
        {
            "title": f"Add a meeting of {board.name}",
            "agreement": agreement,
            "board": board,
            "members": members,
            "chosen": chosen,
        },
        form,
    )


@requires("partnerships.decide", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement(board=True)
def attendance_record(request, agreement: Agreement, board: Board, meeting_pk: int):
    meeting = Meeting.objects.filter(board=board, pk=meeting_pk).first()
    if meeting is None:
        return _not_found(request, f"The board of {agreement.name} has no meeting with id {meeting_pk}.")
    members = list(BoardMember.objects.filter(board=board).select_related("organisation"))
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        members=members,
        initial={"attendees": [str(pk) for pk in meeting.attendees.values_list("pk", flat=True)]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_attendance(request.user, meeting, [int(a) for a in form.cleaned_data["attendees"]])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Attendance at the meeting on {long_date(meeting.held_on)} recorded.")
            return redirect("partnerships:detail", agreement.pk)
    return _page(
        request,
        "attendance_form.jinja",
        {
            "title": f"Who attended the meeting on {long_date(meeting.held_on)}",
            "agreement": agreement,
            "board": board,
            "meeting": meeting,
            "members": members,
            "chosen": set(form["attendees"].value() or []),
        },
        form,
    )


@requires("partnerships.decide", scope="agreement")
@require_http_methods(["GET", "POST"])
@with_agreement(board=True)
def decision_record(request, agreement: Agreement, board: Board):
    meetings = list(Meeting.objects.filter(board=board, held_on__lte=timezone.localdate()).order_by("-held_on", "-id"))
    if not meetings:
        messages.error(request, "Decisions are taken at meetings that have been held: no meeting of the board has been held yet.")
        return redirect("partnerships:detail", agreement.pk)
    initial = {"meeting": request.GET.get("meeting", str(meetings[0].pk))}
    form = DecisionForm(request.POST if request.method == "POST" else None, meetings=meetings, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("meeting")
        meeting = next(m for m in meetings if str(m.pk) == chosen)
        try:
            services.record_decision(request.user, meeting, **data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("partnerships:detail", agreement.pk)
    return _page(
        request,
        "decision_form.jinja",
        {
            "title": f"Record a decision of {board.name}",
            "agreement": agreement,
            "board": board,
            "meetings": form.fields["meeting"].choices,
        },
        form,
    )


