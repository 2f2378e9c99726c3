"""The person page's extension point: other apps add panels (referrals, assessments, the care plan, reablement,
reviews, the timeline) without the people app knowing them.

    from jointcare.people.panels import Panel, register_panel

    register_panel(Panel("referrals", "Referrals", "care/_person_referrals.jinja", referrals_for, order=20))

`context(person, user)` returns what the panel's template needs, as a dict (the template reads it as
`panel.context`, and `person`); it must run a fixed number of queries, whatever the person holds (the person
page's query-count test counts them). A panel whose `context` returns None is not shown. Register panels in the app's `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: Callable  # (person, user) -> dict | None
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> Panel:
    _PANELS[panel.key] = panel
    return panel


def unregister_panel(key: str) -> None:
    _PANELS.pop(key, None)


def panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def rendered(person, user) -> list[dict]:
    """Each shown panel with its context, in order."""
    out = []
    for panel in panels():
        context = panel.context(person, user)
        if context is not None:
            out.append({"key": panel.key, "title": panel.title, "template": panel.template, "context": context})
    return out
