"""Care's panels on the person page (jointcare.people.panels): referrals, assessments, tasks and reviews. Each panel
reads one query (at most 20 rows), whatever the person holds."""

from __future__ import annotations

from jointcare.accounts.access import can, can_somewhere
from jointcare.care import queries
from jointcare.people.panels import Panel, register_panel

LIMIT = 20


def _referrals(person, user):
    if not can(user, "care.view", person):
        return None
    return {"items": list(queries.person_referrals(person)[:LIMIT]), "can_refer": can_somewhere(user, "care.refer")}


def _assessments(person, user):
    if not can(user, "care.view", person):
        return None
    return {"items": list(queries.person_assessments(person)[:LIMIT]), "can_assess": can(user, "care.assess", person)}


def _tasks(person, user):
    if not can(user, "care.view", person):
        return None
    return {"items": list(queries.person_tasks(person)[:LIMIT]), "today": queries.today(),
            "can_coordinate": can(user, "care.coordinate", person)}


def _reviews(person, user):
    if not can(user, "care.view", person):
        return None
    return {"items": list(queries.person_reviews(person)[:LIMIT]), "today": queries.today(),
            "can_coordinate": can(user, "care.coordinate", person)}


def register() -> None:
    register_panel(Panel("referrals", "Referrals", "care/panels/referrals.jinja", _referrals, order=20))
    register_panel(Panel("assessments", "Assessments", "care/panels/assessments.jinja", _assessments, order=30))
    register_panel(Panel("tasks", "Tasks", "care/panels/tasks.jinja", _tasks, order=60))
    register_panel(Panel("reviews", "Reviews", "care/panels/reviews.jinja", _reviews, order=70))
