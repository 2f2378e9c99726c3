"""Organisation pages: list and search, detail, look-up by code, add and change."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jointcare.accounts.access import can, requires
from jointcare.errors import ServiceError
from jointcare.organisations import services
from jointcare.organisations.domain import KIND_LABELS, SECTOR_LABELS, Kind, Sector
from jointcare.organisations.forms import OrganisationForm, add_service_error, error_list, first_errors
from jointcare.organisations.models import Organisation

PAGE_SIZE = 50
CHILDREN_PAGE_SIZE = 50


def _not_found(request, message: str):
    return render(request, "organisations/not_found.jinja", {"title": "Organisation not found", "message": message}, status=404)


def _kinds():
    return [{"value": "", "text": "Any kind"}] + [{"value": k.value, "text": KIND_LABELS[k]} for k in Kind]


def _sectors():
    return [{"value": "", "text": "Any sector"}] + [{"value": s.value, "text": SECTOR_LABELS[s]} for s in Sector]


@requires("organisations.view")
def organisation_list(request):
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    sector = request.GET.get("sector", "")
    kind = kind if kind in Kind.__members__.values() else ""
    sector = sector if sector in Sector.__members__.values() else ""
    page = Paginator(services.search(q, kind, sector), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in (("q", q), ("kind", kind), ("sector", sector)) if v])
    return render(
        request,
        "organisations/list.jinja",
        {
            "title": "Organisations",
            "page": page,
            "q": q,
            "kind": kind,
            "sector": sector,
            "kinds": _kinds(),
            "sectors": _sectors(),
            "query": query,
            "can_edit": can(request.user, "organisations.create"),
        },
    )


@requires("organisations.view", scope="organisation")
def organisation_detail(request, pk: int):
    org = Organisation.objects.select_related("parent").filter(pk=pk).first()
    if org is None:
        return _not_found(request, f"There is no organisation with id {pk}.")
    children = Paginator(org.children.order_by("-active", "name", "id"), CHILDREN_PAGE_SIZE).get_page(request.GET.get("children_page"))
    from jointcare.partnerships.models import Party

    parties = Party.objects.filter(organisation=org).select_related("agreement").order_by("agreement__name")
    return render(
        request,
        "organisations/detail.jinja",
        {
            "title": org.name,
            "org": org,
            "chain": services.parent_chain(org),
            "children": children,
            "parties": parties,
            "history": services.history(org),
            "picture": _picture(org),
            "places_of": _places_of(children.object_list),
            "can_edit": can(request.user, "organisations.edit", org),
        },
    )


def _places_of(orgs) -> dict[str, str]:
    """Sub-ICB location code -> the council holding most of it: their names ("NHS X ICB - 02A") say only the code."""
    if not any(o.kind == Kind.SUB_ICB and o.gss_code for o in orgs):
        return {}
    from jointcare.places import report

    return report.main_councils("sub-icb")


def _picture(org: Organisation) -> dict | None:
    """An NHS body's or council's coterminosity, with the ids of the organisations it names (for links)."""
    from jointcare.places import domain as places, report

    picture = report.organisation_picture(org.kind, org.gss_code)
    if picture is None:
        return None
    if picture["type"] == "body":
        picture["links"] = services.pks_by_code(Kind.UPPER_TIER_COUNCIL, [c["code"] for c in picture["body"]["councils"]])
        picture["short_plural"] = report.SHORT_PLURAL[picture["level"]]
    else:
        for entry in picture["levels"]:
            entry["links"] = services.pks_by_code(report.KIND[entry["level"]], [b["code"] for b in entry["bodies"]])
            entry["vintage"] = report.coterminosity_report(entry["level"])["vintage"]
        picture["today"] = [e for e in picture["levels"] if e["level"] in places.CURRENT_LEVELS]
        picture["earlier"] = [e for e in picture["levels"] if e["level"] not in places.CURRENT_LEVELS]
    return picture


@requires("organisations.view")
def organisation_by_code(request, code: str):
    try:
        org = services.by_code(code)
    except ServiceError:
        return _not_found(request, f"There is no organisation with the ODS or GSS code {code.strip().upper()}.")
    return redirect("organisations:detail", org.pk)


@requires("organisations.view")
def find_by_code(request):
    """The search box on the list page can take a code straight to its organisation."""
    code = request.GET.get("code", "").strip()
    if not code:
        return redirect("organisations:list")
    return redirect("organisations:by-code", code)


def _form_page(request, form, org=None, status=200):
    return render(
        request,
        "organisations/form.jinja",
        {
            "title": f"Change {org.name}" if org else "Add an organisation",
            "form": form,
            "org": org,
            "errors": first_errors(form),
            "error_list": error_list(form),
            "kinds": [{"value": "", "text": "Choose a kind"}] + _kinds()[1:],
            "sectors": [{"value": "", "text": "Work it out from the kind"}] + _sectors()[1:],
        },
        status=status,
    )


def _every_error(form, org=None) -> None:
    """A form with errors of its own is also checked by the service's rules, so that every error shows at once."""
    data = _service_args(form)
    for err in services.problems(org, **data):
        name = OrganisationForm.FIELD_MAP.get(err.get("field") or "", err.get("field"))
        if name in form.fields and name not in form.errors and name in form.cleaned_data:
            form.add_error(name, err["message"])


def _service_args(form) -> dict:
    data = dict(form.cleaned_data)
    data["parent_id"] = None
    data["sector"] = data.get("sector") or None
    return data


@requires("organisations.create")
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    form = OrganisationForm(request.POST if request.method == "POST" else None, initial={"active": True})
    if request.method == "POST" and not form.is_valid():
        _every_error(form)
    elif request.method == "POST":
        try:
            org = services.create_organisation(request.user, **_service_args(form))
        except ServiceError as exc:
            add_service_error(form, exc, OrganisationForm.FIELD_MAP)
        else:
            return redirect("organisations:detail", org.pk)
    return _form_page(request, form, status=400 if request.method == "POST" else 200)


@requires("organisations.edit", scope="organisation")
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    org = Organisation.objects.select_related("parent").filter(pk=pk).first()
    if org is None:
        return _not_found(request, f"There is no organisation with id {pk}.")
    initial = {
        "name": org.name,
        "kind": org.kind,
        "sector": org.sector,
        "ods_code": org.ods_code or "",
        "gss_code": org.gss_code or "",
        "parent_code": org.parent.code if org.parent else "",
        "postcode": org.postcode,
        "active": org.active,
        "opened_on": org.opened_on,
        "closed_on": org.closed_on,
    }
    form = OrganisationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and not form.is_valid():
        _every_error(form, org)
    elif request.method == "POST":
        try:
            services.update_organisation(request.user, org, **_service_args(form))
        except ServiceError as exc:
            add_service_error(form, exc, OrganisationForm.FIELD_MAP)
        else:
            return redirect("organisations:detail", org.pk)
    return _form_page(request, form, org, status=400 if request.method == "POST" else 200)
