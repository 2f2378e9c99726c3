"""Care plan pages: the plan with its costs and funding, adding, changing and ending services, goals, approval,
the version history, reablement episodes and follow-ups, and the services import. Every page showing a person's
plan or reablement is a view of their record, audited as one."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jointcare.accounts.access import requires
from jointcare.audit.services import record
from jointcare.errors import ServiceError
from jointcare.organisations.forms import add_service_error, error_list, first_errors
from jointcare.organisations.models import Organisation
from jointcare.packages import domain, imports, services
from jointcare.packages.domain import Funding
from jointcare.packages.forms import (
    SERVICE_FIELD_MAP,
    DecisionForm,
    EndEpisodeForm,
    EndServiceForm,
    EpisodeForm,
    ExtendForm,
    FollowUpForm,
    GoalsForm,
    ServiceForm,
)
from jointcare.packages.models import PlanService, ReablementEpisode
from jointcare.pool.domain import financial_year_label, financial_year_of

PROVIDER_KINDS = ("provider", "nhs_trust", "housing", "upper_tier_council")


def _page(request, template: str, context: dict, form=None, status: int = 200):
    if form is not None:
        context.update(form=form, errors=first_errors(form), error_list=error_list(form))
        if request.method == "POST" and form.errors:
            status = 400
    return render(request, f"packages/{template}", context, status=status)


def _viewed(request, person, what: str) -> None:
    record(request.user, "person.view", person, summary=f"Opened the {what} at {request.path}"[:300])


def _providers():
    return Organisation.objects.filter(active=True, kind__in=PROVIDER_KINDS).order_by("name")[:500]


def _schemes(person):
    from django.db.models import Q

    from jointcare.pool.models import Scheme

    council = person.responsible_council
    return (
        Scheme.objects.filter(Q(pool__host__gss_code=council) | Q(pool__agreement__parties__organisation__gss_code=council))
        .select_related("pool").distinct().order_by("-pool__financial_year", "code")[:200]
    )


def _year(request) -> int:
    text = request.GET.get("year", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return financial_year_of(timezone.localdate())


# --- the plan ------------------------------------------------------------------------------------------------


def plan_context(person, year: int) -> dict:
    """What the plan page (and the person page's panel) shows."""
    plan = services.plan_of(person)
    items = list(plan.services.select_related("provider", "scheme__pool").order_by("starts_on", "id")) if plan else []
    first, last = dt.date(year, 4, 1), dt.date(year + 1, 3, 1)
    costs = services.plan_costs(plan, first, last) if plan else None
    active = [s.terms for s in items if s.withdrawn_at is None]
    year_total = {part: sum(costs["totals"][m][part] for m in costs["months"]) for part in ("cost", "pooled", "nhs", "council", "client")} if costs else None
    return {
        "person": person, "plan": plan, "items": items, "costs": costs, "year": year, "year_label": financial_year_label(year),
        "year_total": year_total, "peak": domain.peak_weekly_cost(active),
        "threshold": services.threshold_for(plan) if plan else None, "today": timezone.localdate(),
    }


@requires("packages.view", scope="person")
def plan(request, person_id: int):
    person = request.target
    _viewed(request, person, "care plan")
    context = plan_context(person, _year(request))
    context["title"] = f"Care plan: {person.name}"
    return _page(request, "plan.jinja", context)


@requires("packages.edit", scope="person")
@require_http_methods(["GET", "POST"])
def goals(request, person_id: int):
    person = request.target
    plan = services.plan_of(person)
    initial = {"goals": "\n".join(plan.goals) if plan else ""}
    form = GoalsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_goals(request.user, person, form.cleaned_data["goals"].splitlines())
        except ServiceError as exc:
            form.add_error("goals", exc.message)
        else:
            messages.success(request, "Goals saved.")
            return redirect("packages:plan", person.pk)
    return _page(request, "goals.jinja", {"title": f"Goals: {person.name}", "person": person}, form)


def _service_spec(form, person) -> services.ServiceSpec | None:
    data = form.cleaned_data
    provider = Organisation.objects.filter(pk=data["provider"]).first()
    scheme = None
    if data.get("scheme"):
        from jointcare.pool.models import Scheme

        scheme = Scheme.objects.select_related("pool__host", "pool__agreement").filter(pk=data["scheme"]).first()
    return services.ServiceSpec(
        name=data["name"], provider=provider, service_type=data["service_type"], component=data["component"],
        delivery_mechanism=data["delivery_mechanism"], units_per_week=data["units_per_week"],
        unit_cost_pence=data["unit_cost"], starts_on=data["starts_on"], ends_on=data.get("ends_on"),
        funding=Funding(data["pooled_percent"], data["nhs_percent"], data["council_percent"], data["client_weekly"]),
        scheme=scheme,
    )


def _service_initial(s: PlanService) -> dict:
    def pct(bp):
        return f"{bp / 100:.2f}".rstrip("0").rstrip(".") if bp else ""

    def pounds(p):
        return f"{p / 100:.2f}" if p else ""

    return {
        "name": s.name, "provider": str(s.provider_id), "service_type": s.service_type, "component": s.component,
        "delivery_mechanism": s.delivery_mechanism, "units_per_week": s.units_per_week, "unit_cost": pounds(s.unit_cost_pence),
        "starts_on": s.starts_on, "ends_on": s.ends_on, "pooled_percent": pct(s.pooled_bp), "nhs_percent": pct(s.nhs_bp),
        "council_percent": pct(s.council_bp), "client_weekly": pounds(s.client_weekly_pence),
        "scheme": str(s.scheme_id) if s.scheme_id else "",
    }


@requires("packages.edit", scope="person")
@require_http_methods(["GET", "POST"])
def service_add(request, person_id: int):
    person = request.target
    form = ServiceForm(request.POST or None, providers=_providers(), schemes=_schemes(person))
    if request.method == "POST" and form.is_valid():
        try:
            service = services.add_service(request.user, person, _service_spec(form, person))
        except ServiceError as exc:
            add_service_error(form, exc, SERVICE_FIELD_MAP)
        else:
            messages.success(request, f"{service.name} added to the plan.")
            return redirect("packages:plan", person.pk)
    return _page(request, "service_form.jinja", {"title": f"Add a service: {person.name}", "person": person,
                                                 "heading": "Add a service"}, form)


@requires("packages.edit", scope="plan_service")
@require_http_methods(["GET", "POST"])
def service_change(request, service_id: int):
    service = services.get_service(service_id)
    person = service.plan.person
    form = ServiceForm(request.POST or None, initial=_service_initial(service), providers=_providers(), schemes=_schemes(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_service(request.user, service, _service_spec(form, person))
        except ServiceError as exc:
            add_service_error(form, exc, SERVICE_FIELD_MAP)
        else:
            messages.success(request, f"{service.name} changed.")
            return redirect("packages:plan", person.pk)
    return _page(request, "service_form.jinja", {"title": f"Change {service.name}: {person.name}", "person": person,
                                                 "heading": f"Change {service.name}", "service": service}, form)


@requires("packages.edit", scope="plan_service")
@require_http_methods(["GET", "POST"])
def service_end(request, service_id: int):
    service = services.get_service(service_id)
    person = service.plan.person
    form = EndServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_service(request.user, service, form.cleaned_data["ends_on"], form.cleaned_data["reason"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{service.name} ends on {form.cleaned_data['ends_on']:%-d %B %Y}.")
            return redirect("packages:plan", person.pk)
    return _page(request, "service_end.jinja", {"title": f"End {service.name}", "person": person, "service": service}, form)


# --- approval and history -------------------------------------------------------------------------------------


@requires("packages.approve", scope="care_plan")
@require_http_methods(["GET", "POST"])
def approval(request, plan_id: int):
    plan = request.target
    person = plan.person
    current = plan.versions.select_related("made_by").order_by("-number").first()
    form = DecisionForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.approve_plan(request.user, plan, data["version"])
            else:
                services.return_plan(request.user, plan, data["version"], data["reason"])
        except ServiceError as exc:
            add_service_error(form, exc, {"version": "decision"})
        else:
            messages.success(request, "Plan approved." if data["decision"] == "approve" else "Plan returned for change.")
            return redirect("packages:approval", plan.pk)
    if request.method == "GET":
        _viewed(request, person, "care plan for approval")
    context = plan_context(person, _year(request))
    context.update(title=f"Approve the care plan of {person.name}", current=current)
    return _page(request, "approval.jinja", context, form)


@requires("packages.view", scope="care_plan")
def history(request, plan_id: int):
    plan = request.target
    _viewed(request, plan.person, "care plan's history")
    versions = plan.versions.select_related("made_by", "decided_by").order_by("-number")[:200]
    return _page(request, "history.jinja", {"title": f"Care plan history: {plan.person.name}", "plan": plan,
                                            "person": plan.person, "versions": versions})


# --- reablement -------------------------------------------------------------------------------------------------


def reablement_context(person) -> dict:
    episodes = list(
        ReablementEpisode.objects.filter(person=person).select_related("provider", "service").prefetch_related("follow_ups")[:50]
    )
    return {"person": person, "episodes": episodes, "today": timezone.localdate()}


@requires("packages.view", scope="person")
def reablement(request, person_id: int):
    person = request.target
    _viewed(request, person, "reablement episodes")
    context = reablement_context(person)
    context["title"] = f"Reablement: {person.name}"
    return _page(request, "reablement.jinja", context)


@requires("packages.edit", scope="person")
@require_http_methods(["GET", "POST"])
def reablement_start(request, person_id: int):
    person = request.target
    plan = services.plan_of(person)
    st_max = plan.services.filter(service_type=domain.REABLEMENT, withdrawn_at__isnull=True) if plan else []
    form = EpisodeForm(request.POST or None, providers=_providers(), services=st_max)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.start_episode(
                request.user, person, starts_on=data["starts_on"], discharged_on=data.get("discharged_on"),
                provider=Organisation.objects.filter(pk=data["provider"]).first() if data["provider"] else None,
                service=PlanService.objects.filter(pk=data["service"]).first() if data["service"] else None,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Reablement episode started.")
            return redirect("packages:reablement", person.pk)
    return _page(request, "episode_form.jinja", {"title": f"Start reablement: {person.name}", "person": person}, form)


@requires("packages.edit", scope="reablement")
@require_http_methods(["GET", "POST"])
def reablement_extend(request, episode_id: int):
    return _episode_action(
        request, ExtendForm, "Extend reablement", "episode_extend.jinja", "Episode extended.",
        lambda episode, data: services.extend_episode(request.user, episode, data["extended_to"], data["reason"]),
    )


@requires("packages.edit", scope="reablement")
@require_http_methods(["GET", "POST"])
def reablement_end(request, episode_id: int):
    return _episode_action(
        request, EndEpisodeForm, "End reablement", "episode_end.jinja", "Episode ended.",
        lambda episode, data: services.end_episode(request.user, episode, data["ends_on"], data["outcome"]),
    )


def _episode_action(request, form_class, title: str, template: str, done: str, act):
    """A form about one reablement episode: on a valid post, `act(episode, cleaned data)`, then back to the person's
    episodes; a refusal is shown on the form against its field."""
    episode = request.target
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(episode, form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("packages:reablement", episode.person_id)
    return _page(request, template, {"title": title, "episode": episode, "person": episode.person}, form)


@requires("packages.edit", scope="follow_up")
@require_http_methods(["GET", "POST"])
def follow_up(request, follow_up_id: int):
    item = request.target
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_follow_up(request.user, item, seen_on=form.cleaned_data["seen_on"],
                                      whereabouts=form.cleaned_data["whereabouts"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Follow-up recorded.")
            return redirect("packages:reablement", item.episode.person_id)
    return _page(request, "follow_up.jinja", {"title": f"Follow-up {item.kind_label}", "item": item,
                                              "person": item.episode.person}, form)


# --- import -------------------------------------------------------------------------------------------------------


@requires("packages.import")
@require_http_methods(["GET", "POST"])
def import_services(request):
    errors, result, status = [], None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors, status = [{"field": "file", "message": "Choose a CSV or XLSX file"}], 400
        else:
            try:
                result = imports.import_services(request.user, upload.name, upload, dry_run=bool(request.POST.get("dry_run")))
            except ServiceError as exc:
                errors, status = exc.errors, exc.status
    return render(request, "packages/import.jinja", {
        "title": "Import services", "errors": errors, "result": result, "columns": imports.COLUMNS,
        "required": imports.REQUIRED,
    }, status=status)
