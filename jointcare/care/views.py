"""Integrated care pages: team queues with claim buttons, a referral and its transitions, the assessment's task
list and its eligibility explained, tasks and reviews, and caseloads for a worker, a team and a GP practice."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jointcare import breadcrumbs
from jointcare.accounts.access import can, requires
from jointcare.care import queries, services
from jointcare.care.domain.referrals import IRREVERSIBLE, ReferralAction, actions_open
from jointcare.care.forms import (
    CarerForm,
    ChecklistForm,
    CloseForm,
    CompleteAssessmentForm,
    CompleteReviewForm,
    DeclineForm,
    EligibilityForm,
    NeedsForm,
    ReassignForm,
    ReferForm,
    ReviewForm,
    TaskForm,
    yes,
)
from jointcare.care.models import Team
from jointcare.errors import ServiceError
from jointcare.organisations.forms import add_service_error, error_list, first_errors

PAGE_SIZE = 50
QUEUE_FILTERS = [("unclaimed", "Unclaimed"), ("claimed", "Claimed"), ("contacted", "Contacted"), ("open", "All open"),
                 ("closed", "Closed"), ("declined", "Declined")]


def _page(request, template: str, context: dict, form=None, status: int = 200):
    if form is not None:
        context.update(form=form, errors=first_errors(form), error_list=error_list(form))
        if request.method == "POST" and form.errors:
            status = 400
    return render(request, f"care/{template}", context, status=status)


def _team_trail(team: Team | None = None) -> list[dict]:
    """Home, Teams and, for a referral, its team's queue: where a team's work sits."""
    items = [breadcrumbs.HOME, breadcrumbs.crumb("Teams", reverse("care:teams"))]
    return items + ([breadcrumbs.crumb(team.name, reverse("care:queue", args=[team.pk]))] if team is not None else [])


def _person_url(person) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse("people:detail", args=[person.pk])
    except NoReverseMatch:
        return ""


# --- teams and queues --------------------------------------------------------------------------------


@requires("care.view")
def teams(request):
    return _page(request, "teams.jinja", {"title": "Teams", "teams": queries.teams(), "yours": queries.team_ids(request.user)})


@requires("care.view", scope="team")
def queue(request, pk):
    team = request.target
    status = request.GET.get("status", "unclaimed")
    status = status if status in dict(QUEUE_FILTERS) else "unclaimed"
    page = Paginator(queries.team_queue(team, status), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "queue.jinja", {
        "title": f"{team.name}: referrals", "team": team, "page": page, "status": status, "filters": QUEUE_FILTERS,
        "breadcrumbs": _team_trail(),
        "counts": queries.queue_counts(team), "query": f"status={status}", "can_claim": can(request.user, "care.claim", team),
    })


# --- referrals ---------------------------------------------------------------------------------------


@requires("care.refer")
@require_http_methods(["GET", "POST"])
def refer(request, person_id):
    from jointcare.people.models import Person

    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return render(request, "accounts/not_found.jinja", {"title": "Page not found",
                      "message": f"There is no person with id {person_id}."}, status=404)
    form = ReferForm(request.POST or None, initial={"urgency": "routine"})
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.refer(request.user, person, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Referral sent to {referral.team.name}.")
            if can(request.user, "care.view", referral):
                return redirect("care:referral", referral.pk)
            return redirect("care:my-caseload")
    return _page(request, "refer.jinja", {"title": "Refer", "person": person}, form)


@requires("care.view", scope="referral")
def referral(request, pk):
    referral = request.target
    return _page(request, "referral.jinja", {
        "title": f"Referral {referral.pk}", "referral": referral, "person": referral.person, "person_url": _person_url(referral.person),
        "breadcrumbs": _team_trail(referral.team),
        "actions": actions_open(referral.status_enum), "events": referral.events.select_related("actor", "team"),
        "assessments": referral.assessments.all(), "can_work": can(request.user, "care.claim", referral),
        "Action": ReferralAction,
    })


@requires("care.claim", scope="referral")
@require_POST
def claim(request, pk):
    try:
        services.claim_referral(request.user, pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("care:queue", request.target.team_id)
    messages.success(request, f"You claimed referral {pk}.")
    return redirect("care:referral", pk)


def _transition(request, pk, action: ReferralAction, form_class, **form_kwargs):
    referral = request.target
    form = form_class(request.POST or None, **form_kwargs) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = dict(form.cleaned_data) if form else {}
        team = None
        if "team" in data:
            team = Team.objects.filter(pk=data.pop("team")).first()
        try:
            services.act_on_referral(request.user, pk, action.value, team=team, **data)
        except ServiceError as exc:
            if form is None or exc.field == "status":
                messages.error(request, exc.message)
                return redirect("care:referral", pk)
            add_service_error(form, exc)
        else:
            messages.success(request, f"Referral {pk}: {action.label.lower()} done.")
            return redirect("care:referral", pk)
    return _page(request, "transition.jinja", {
        "title": action.label, "referral": referral, "action": action, "irreversible": action in IRREVERSIBLE,
    }, form)


@requires("care.claim", scope="referral")
@require_POST
def contact(request, pk):
    return _transition(request, pk, ReferralAction.CONTACT, None)


@requires("care.claim", scope="referral")
@require_http_methods(["GET", "POST"])
def close(request, pk):
    return _transition(request, pk, ReferralAction.CLOSE, CloseForm)


@requires("care.claim", scope="referral")
@require_http_methods(["GET", "POST"])
def decline(request, pk):
    return _transition(request, pk, ReferralAction.DECLINE, DeclineForm)


@requires("care.claim", scope="referral")
@require_http_methods(["GET", "POST"])
def reassign(request, pk):
    others = Team.objects.exclude(pk=request.target.team_id).order_by("name")
    return _transition(request, pk, ReferralAction.REASSIGN, ReassignForm, teams=others)


# --- the assessment ----------------------------------------------------------------------------------

SECTION_FORMS = {"needs": NeedsForm, "eligibility": EligibilityForm, "carer": CarerForm, "checklist": ChecklistForm}


@requires("care.assess", scope="person")
@require_POST
def assessment_start(request, person_id):
    referral = None
    if request.POST.get("referral", "").isdigit():
        referral = services.get_referral(request.POST["referral"], field="referral")
    assessment = services.start_assessment(request.user, request.target, referral=referral)
    return redirect("care:assessment", assessment.pk)


@requires("care.view", scope="assessment")
def assessment(request, pk):
    a = request.target
    sections = [{"key": s, "label": services.SECTION_LABELS[s], "done": services.section_done(a, s)} for s in services.SECTIONS]
    return _page(request, "assessment.jinja", {
        "title": "Assessment", "assessment": a, "person": a.person, "person_url": _person_url(a.person),
        "sections": sections, "explained": services.explain(a), "all_done": all(s["done"] for s in sections),
        "can_assess": can(request.user, "care.assess", a),
    })


def _initial(a, section: str) -> dict:
    data = getattr(a, section) or {}
    if section == "needs":
        return data
    flag = {True: "yes", False: "no", None: ""}
    if section == "checklist":
        return {**{f"score_{k}": v for k, v in data.get("scores", {}).items()}, "decision": data.get("decision", "")}
    out = {k: flag.get(v, v) if isinstance(v, bool) or v is None else v for k, v in data.items() if k != "outcomes"}
    out.update({f"outcome_{k}": v for k, v in data.get("outcomes", {}).items()})
    return out


@requires("care.assess", scope="assessment")
@require_http_methods(["GET", "POST"])
def assessment_section(request, pk, section):
    a = request.target
    if section not in SECTION_FORMS:
        return render(request, "accounts/not_found.jinja", {"title": "Page not found",
                      "message": f"The assessment has no section '{section}'."}, status=404)
    form = SECTION_FORMS[section](request.POST or None, initial=_initial(a, section))
    if request.method == "POST" and form.is_valid():
        data = form.answers() if hasattr(form, "answers") else form.cleaned_data
        try:
            services.save_section(request.user, a, section, data)
        except ServiceError as exc:
            add_service_error(form, exc, _field_map(section))
        else:
            messages.success(request, f"{services.SECTION_LABELS[section]} saved.")
            return redirect("care:assessment", a.pk)
    return _page(request, "section.jinja", {"title": services.SECTION_LABELS[section], "assessment": a, "section": section}, form)


def _field_map(section: str) -> dict:
    """Service field names (e.g. eligibility.outcomes.toilet) to this page's form fields."""
    mapping: dict = {}
    if section == "eligibility":
        from jointcare.care.domain.eligibility import AdultOutcome

        mapping = {f"eligibility.outcomes.{o.value}": f"outcome_{o.value}" for o in AdultOutcome}
        mapping |= {"eligibility.impairment": "impairment", "eligibility.wellbeing": "wellbeing"}
    elif section == "carer":
        from jointcare.care.domain.eligibility import CarerOutcome

        mapping = {f"carer.outcomes.{o.value}": f"outcome_{o.value}" for o in CarerOutcome}
        mapping |= {f"carer.{k}": k for k in ("carer_name", "necessary_care", "health_at_risk", "wellbeing", "has_carer")}
    elif section == "checklist":
        from jointcare.care.domain.chc import Domain

        mapping = {f"checklist.{d.value}": f"score_{d.value}" for d in Domain}
    elif section == "needs":
        mapping = {"needs.health": "health", "needs.social": "social"}
    return mapping


@requires("care.assess", scope="assessment")
@require_http_methods(["GET", "POST"])
def assessment_complete(request, pk):
    a = request.target
    form = CompleteAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_assessment(request.user, a, outcome=form.cleaned_data["outcome"])
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("care:assessment", a.pk)
        messages.success(request, "Assessment completed.")
        return redirect("care:assessment", a.pk)
    return _page(request, "assessment_complete.jinja", {"title": "Complete the assessment", "assessment": a,
                                                        "explained": services.explain(a)}, form)


# --- tasks and reviews -------------------------------------------------------------------------------


@requires("care.coordinate", scope="person")
@require_http_methods(["GET", "POST"])
def task_new(request, person_id):
    person = request.target
    teams = list(queries.your_teams(request.user))
    form = TaskForm(request.POST or None, people=[request.user], teams=teams)
    if request.method == "POST" and form.is_valid():
        kind, _, ident = form.cleaned_data["assign_to"].partition(":")
        assignee = request.user if kind == "user" else None
        team = next((t for t in teams if str(t.pk) == ident), None) if kind == "team" else None
        try:
            services.create_task(request.user, person, title=form.cleaned_data["title"], assignee=assignee, team=team,
                                 due_on=form.cleaned_data["due_on"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Task added.")
            return redirect(_person_url(person) or "care:my-caseload")
    return _page(request, "item_form.jinja", {"title": "Add a task", "heading": "Add a task", "person": person,
                                              "button_text": "Add task"}, form)


@requires("care.coordinate", scope="task")
@require_POST
def task_done(request, pk):
    try:
        services.complete_task(request.user, request.target)
        messages.success(request, f"Done: {request.target.title}")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/care/") else "care:my-caseload")


@requires("care.coordinate", scope="person")
@require_http_methods(["GET", "POST"])
def review_new(request, person_id):
    person = request.target
    teams = list(queries.your_teams(request.user))
    form = ReviewForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        team = next((t for t in teams if str(t.pk) == d["team"]), None)
        try:
            services.schedule_review(request.user, person, due_on=d["due_on"], team=team, reason=d["reason"],
                                     reviewer=request.user if d["reviewer_is_me"] == "yes" else None)
        except ServiceError as exc:
            add_service_error(form, exc, {"reviewer": "reviewer_is_me"})
        else:
            messages.success(request, "Review scheduled.")
            return redirect(_person_url(person) or "care:my-caseload")
    return _page(request, "item_form.jinja", {"title": "Schedule a review", "heading": "Schedule a review", "person": person,
                                              "button_text": "Schedule review"}, form)


@requires("care.coordinate", scope="review")
@require_http_methods(["GET", "POST"])
def review_complete(request, pk):
    review = request.target
    form = CompleteReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.complete_review(request.user, review, outcome=d["outcome"], outcomes_achieved=yes(d["outcomes_achieved"]),
                                     notes=d["notes"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Review completed.")
            return redirect(_person_url(review.person) or "care:my-caseload")
    return _page(request, "item_form.jinja", {"title": "Complete the review", "heading": "Complete the review",
                                              "person": review.person, "button_text": "Complete review", "review": review}, form)


# --- caseloads ---------------------------------------------------------------------------------------


def _caseload(request, template_title: str, lists: dict, **extra):
    return _page(request, "caseload.jinja", {"title": template_title, "today": queries.today(), **lists, **extra})


@requires("care.view")
def my_caseload(request):
    return _caseload(request, "My caseload", queries.worker_caseload(request.user), teams=queries.your_teams(request.user))


@requires("care.view", scope="team")
def team_caseload(request, pk):
    return _caseload(request, f"{request.target.name}: caseload", queries.team_caseload(request.target), team=request.target)


@requires("care.view")
def practice_caseload(request, practice_pk):
    from jointcare.organisations.domain import Kind
    from jointcare.organisations.models import Organisation

    practice = Organisation.objects.filter(pk=practice_pk, kind=Kind.GP_PRACTICE).first()
    if practice is None:
        return render(request, "accounts/not_found.jinja", {"title": "Page not found",
                      "message": f"There is no GP practice with id {practice_pk}."}, status=404)
    lists = queries.practice_caseload(practice, request.user)
    return _caseload(request, f"{practice.name}: caseload", lists, practice=practice,
                     own_practice=request.user.organisation_id == practice.pk)

