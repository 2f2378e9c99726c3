"""People pages: search, add and change a person, the person page (with the panels other apps add), break-glass,
the access history, void and merge, the care team, and the caseload import."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jointcare.accounts.access import can, can_somewhere, requires
from jointcare.audit.services import record
from jointcare.errors import ServiceError
from jointcare.organisations.forms import add_service_error, error_list, first_errors
from jointcare.people import domain, imports, panels, services, sharing, vocabulary
from jointcare.people.forms import ImportForm, MergeForm, PersonForm, ReasonForm, SearchForm, TeamMemberForm, VoidForm
from jointcare.people.models import Person


def _not_found(request, pk):
    return render(request, "accounts/not_found.jinja",
                  {"title": "Page not found", "message": f"There is no person with id {pk}."}, status=404)


def _person(pk):
    return Person.objects.select_related("gp_practice", "merged_into").filter(pk=pk).first()


def refused(request, person, action: str, *, recorded: bool = False):
    """The answer to a user without a relationship to the person: audited (unless the service `recorded` it),
    with the way to break glass."""
    if not recorded:
        record(request.user, "person.refused", person, summary=f"Refused {action} at {request.path}"[:300])
    return render(request, "people/refused.jinja", {
        "title": "You cannot open this record", "person": person, "action": action,
        "message": sharing.refusal_message(request.user, person),
        "may_break_glass": not person.restricted and can_somewhere(request.user, "person.break_glass"),
    }, status=403)


def _form_context(form) -> dict:
    return {"form": form, "errors": first_errors(form), "error_list": error_list(form)}


# --- search --------------------------------------------------------------------------------------------


@requires("person.search")
def search(request):
    form = SearchForm(request.GET or None)
    results, count, problem = None, 0, None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            qs = services.search(nhs_number=data["nhs_number"], name=data["name"],
                                 date_of_birth=data["date_of_birth"], postcode=data["postcode"])
            results = list(qs[: services.SEARCH_LIMIT])
            count = len(results) if len(results) < services.SEARCH_LIMIT else qs.count()
        except ServiceError as exc:
            add_service_error(form, exc)
            problem = exc.message
    return render(request, "people/search.jinja", {
        "title": "Find a person", **_form_context(form), "results": results, "count": count, "problem": problem,
        "admin": can_somewhere(request.user, "person.access_log"),
    }, status=400 if form.errors else 200)


# --- add and change ------------------------------------------------------------------------------------


def _person_form_page(request, form, person=None, status=200):
    return render(request, "people/form.jinja", {
        "title": f"Change {person.name}'s details" if person else "Add a person", "person": person,
        **_form_context(form), "conditions": list(vocabulary.CONDITIONS.items()),
        "chosen_conditions": form["long_term_conditions"].value() or [],
        "sex": vocabulary.choices(vocabulary.SEX), "gender": vocabulary.choices(vocabulary.GENDER),
        "ethnicity": vocabulary.choices(vocabulary.ETHNICITY),
        "accommodation": vocabulary.choices(vocabulary.ACCOMMODATION),
        "councils": form.fields["responsible_council"].choices,
    }, status=status)


@requires("person.create")
@require_http_methods(["GET", "POST"])
def create(request):
    form = PersonForm(request.POST or None, initial={"join_care_team": True})
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(request.user, join_care_team=form.cleaned_data["join_care_team"],
                                            **form.service_fields())
        except services.DuplicatePerson as exc:
            add_service_error(form, exc)
            form.existing_id = exc.existing_id
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Added {person.name}")
            if can(request.user, "person.view", person):
                return redirect("people:detail", person.pk)
            return redirect(f"{_url('people:search')}?nhs_number={person.nhs_number or ''}")
    return _person_form_page(request, form, status=400 if request.method == "POST" else 200)


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args or None)


@requires("person.edit", scope="person")
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    person = request.target
    if person.voided_at is not None:
        return redirect("people:detail", person.pk)
    initial = {f: getattr(person, f) for f in services.FIELDS if f != "gp_practice"}
    initial["gp_practice"] = person.gp_practice.ods_code if person.gp_practice_id else ""
    form = PersonForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(request.user, person, **form.service_fields())
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Saved the changes")
            return redirect("people:detail", person.pk)
    return _person_form_page(request, form, person, status=400 if request.method == "POST" else 200)


# --- the person page -----------------------------------------------------------------------------------


def council_name(code: str) -> str:
    from jointcare.places.models import Area, Level

    name = Area.objects.filter(code=code, level=Level.COUNCIL).values_list("name", flat=True).first()
    return f"{name} ({code})" if name else code


@requires("person.view", scope="person")
def detail(request, pk: int):
    person = request.target
    sharing.open_record(request.user, person, request)
    team = list(sharing.current_team(person.care_team.select_related("user", "organisation", "carer_record")))
    cares_for = list(sharing.current_team(person.cares_for.select_related("person")).filter(role="unpaid_carer"))
    merged_from = list(person.merged_from.values_list("pk", "given_name", "family_name"))
    grant = None if sharing.has_relationship(request.user, person) else sharing.live_break_glass(request.user, person)
    return render(request, "people/detail.jinja", {
        "title": person.name, "person": person, "team": team, "cares_for": cares_for, "merged_from": merged_from,
        "council": council_name(person.responsible_council), "vocabulary": vocabulary,
        "conditions": [vocabulary.CONDITIONS.get(c, c) for c in person.long_term_conditions],
        "panels": panels.rendered(person, request.user), "grant": grant,
        "can_edit": person.voided_at is None and can(request.user, "person.edit", person),
    })


# --- break-glass ---------------------------------------------------------------------------------------


@requires("person.break_glass")
@require_http_methods(["GET", "POST"])
def break_glass(request, pk: int):
    person = _person(pk)
    if person is None:
        return _not_found(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = sharing.break_glass(request.user, person, form.cleaned_data["reason"])
        except ServiceError as exc:
            if exc.status == 403:
                return refused(request, person, "person.break_glass", recorded=person.restricted)
            add_service_error(form, exc)
        else:
            messages.warning(request, f"Break-glass access until {grant.expires_at:%H:%M}: this is recorded.")
            return redirect("people:detail", person.pk)
    return render(request, "people/break_glass.jinja", {
        "title": "Emergency access to a record", "person": person, **_form_context(form),
        "hours": domain.BREAK_GLASS_HOURS,
    }, status=400 if form.errors else 200)


# --- administrators ------------------------------------------------------------------------------------


@requires("person.access_log")
def access_history(request, pk: int):
    person = _person(pk)
    if person is None:
        return _not_found(request, pk)
    entries = list(sharing.access_log(person))
    return render(request, "people/access.jinja", {
        "title": f"Access history: {person.name}", "person": person, "entries": entries, "word": sharing.access_word,
    })


@requires("person.void")
@require_http_methods(["GET", "POST"])
def void(request, pk: int):
    person = _person(pk)
    if person is None:
        return _not_found(request, pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void_person(request.user, person, form.cleaned_data["reason"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Voided the record of {person.name}")
            return redirect("people:access", person.pk)
    return render(request, "people/void.jinja", {"title": f"Void the record of {person.name}", "person": person,
                                                 **_form_context(form)}, status=400 if form.errors else 200)


@requires("person.merge")
@require_http_methods(["GET", "POST"])
def merge(request, pk: int):
    keep = _person(pk)
    if keep is None:
        return _not_found(request, pk)
    form = MergeForm(request.POST or request.GET or None)
    duplicate = None
    if form.is_bound and form.is_valid():
        duplicate = _person(form.cleaned_data["duplicate"])
        if duplicate is None:
            form.add_error("duplicate", f"There is no person with id {form.cleaned_data['duplicate']}")
        elif request.method == "POST":
            try:
                services.merge_people(request.user, keep, duplicate, form.cleaned_data["reason"])
            except ServiceError as exc:
                add_service_error(form, exc, {"reason": "reason", "duplicate": "duplicate"})
            else:
                messages.success(request, f"Merged record {duplicate.pk} into record {keep.pk}")
                return redirect("people:access", keep.pk)
    return render(request, "people/merge.jinja", {
        "title": f"Merge a duplicate into the record of {keep.name}", "keep": keep, "duplicate": duplicate,
        **_form_context(form),
    }, status=400 if form.errors else 200)


# --- care team -----------------------------------------------------------------------------------------


@requires("person.edit", scope="person")
@require_http_methods(["GET", "POST"])
def add_team_member(request, pk: int):
    from jointcare.accounts.models import User
    from jointcare.organisations.models import Organisation

    person = request.target
    form = TeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = organisation = None
        if data["username"]:
            user = User.objects.filter(username=data["username"], is_active=True).first()
            if user is None:
                form.add_error("username", f"No user is called {data['username']}")
        if data["organisation"]:
            code = data["organisation"].upper()
            organisation = (Organisation.objects.filter(ods_code=code, active=True).first()
                            or Organisation.objects.filter(gss_code=code, active=True).first())
            if organisation is None:
                form.add_error("organisation", f"No open organisation has the code {code}")
        if not form.errors:
            try:
                services.add_care_team_member(request.user, person, name=data["name"], role=data["role"], user=user,
                                              organisation=organisation, is_coordinator=data["is_coordinator"])
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Added to the care team")
                return redirect("people:detail", person.pk)
    return render(request, "people/team_member.jinja", {
        "title": f"Add to {person.name}'s care team", "person": person, **_form_context(form),
        "roles": [("", "Choose a role"), *domain.CARE_TEAM_ROLES.items()],
    }, status=400 if form.errors else 200)


# --- import --------------------------------------------------------------------------------------------


@requires("person.create")
@require_http_methods(["GET", "POST"])
def import_people(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result, rejected = None, []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.import_people(request.user, upload.name, upload.file,
                                           dry_run=form.cleaned_data["dry_run"])
        except ServiceError as exc:
            rejected = [e for e in exc.errors if e.get("row")] or [{"row": None, "field": exc.field,
                                                                      "message": exc.message}]
            form.add_error("file", exc.message)
    return render(request, "people/import.jinja", {
        "title": "Import a caseload of people", **_form_context(form), "result": result, "rejected": rejected,
        "columns": imports.COLUMNS, "required": imports.REQUIRED,
    }, status=400 if form.errors else 200)
