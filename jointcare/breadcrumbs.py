"""Where a page sits: the NHS.UK breadcrumb trail above its heading, derived in one place for every page.

A page's trail is Home, its section (the header's list page) and, below an object's own page, that object (the
pool, the agreement, the organisation) from the page's context; a pool's transaction sits under its ledger. A view
may pass its own `breadcrumbs` (the audit trail of one object sits under that object). Home and the sign-in page
have none; question pages of a multi-step journey keep their back link to the previous question instead
(`{% block back %}`), as the NHS.UK service manual asks: never both.
"""

from __future__ import annotations

from django.urls import reverse

HOME = {"text": "Home", "href": "/"}

# namespace: (section's text, section's page, context name of the section's object, object's page)
SECTIONS: dict[str, tuple[str, str, str | None, str | None]] = {
    "organisations": ("Organisations", "organisations:list", "org", "organisations:detail"),
    "places": ("Coterminosity", "places:coterminosity", None, None),
    "partnerships": ("Partnerships", "partnerships:list", "agreement", "partnerships:detail"),
    "pool": ("Pooled budgets", "pool:list", "pool", "pool:detail"),
    "audit": ("Audit trail", "audit:list", None, None),
    "people": ("People", "people:search", "person", "people:detail"),
    # a person's referrals, assessments, plan and reablement sit under the person's record
    "care": ("Caseload", "care:my-caseload", "person", "people:detail"),
    "packages": ("People", "people:search", "person", "people:detail"),
    "cld": ("Client Level Data", "cld:submissions", None, None),
    "outcomes": ("Outcomes", "outcomes:measures", None, None),
}
# Pages that sit under another page of the same object: (parent's text, parent's page)
UNDER: dict[str, tuple[str, str]] = {"pool:transaction": ("Ledger", "pool:ledger")}
# Pages outside the sections with a trail of just Home.
HOME_ONLY = {"data-sources"}


def crumb(text: str, href: str) -> dict:
    return {"text": text, "href": href}


def object_trail(namespace: str, obj) -> list[dict]:
    """Home, the section, and the object itself: the trail of a page about that object (e.g. its audit trail)."""
    text, section, _, detail = SECTIONS[namespace]
    return [HOME, crumb(text, reverse(section)), crumb(_name(obj), reverse(detail, args=[obj.pk]))]


def _name(obj) -> str:
    return str(obj)


def trail(view_name: str | None, context) -> list[dict]:
    """The breadcrumb items (the page's ancestors, not the page itself) for the page `view_name`."""
    given = context.get("breadcrumbs")
    if given is not None:
        return list(given)
    if not view_name:
        return []
    if view_name in HOME_ONLY:
        return [HOME]
    namespace, _, _ = view_name.partition(":")
    if namespace not in SECTIONS:
        return []
    text, section, object_name, detail = SECTIONS[namespace]
    if view_name == section:
        return [HOME]
    items = [HOME, crumb(text, reverse(section))]
    obj = context.get(object_name) if object_name else None
    if obj is not None and getattr(obj, "pk", None) is not None and view_name != detail:
        items.append(crumb(_name(obj), reverse(detail, args=[obj.pk])))
        if view_name in UNDER:
            under_text, under_page = UNDER[view_name]
            items.append(crumb(under_text, reverse(under_page, args=[obj.pk])))
    return items
