"""The care plan and reablement panels of the person page (registered in `PackagesConfig.ready`). Each runs a
fixed number of queries, whatever the person holds."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from jointcare.accounts.access import can
from jointcare.packages import domain
from jointcare.packages.models import CarePlan, FollowUp, PlanService, ReablementEpisode


def plan_panel(person, user) -> dict | None:
    if not can(user, "packages.view", person):
        return None
    today = timezone.localdate()
    plan = (
        CarePlan.objects.filter(person=person)
        .prefetch_related(Prefetch("services", PlanService.objects.filter(withdrawn_at__isnull=True)
                                   .select_related("provider", "scheme").order_by("starts_on", "id")))
        .first()
    )
    items = list(plan.services.all()) if plan else []
    running = [s for s in items if s.terms.active_on(today)]
    month = [domain.month_cost(s.terms, today) for s in items]
    return {
        "plan": plan, "items": items, "today": today,
        "weekly_now": sum(s.terms.weekly_pence for s in running),
        "month": {part: sum(getattr(m, part) for m in month) for part in ("cost", "pooled", "nhs", "council", "client")},
        "month_label": today.strftime("%B %Y"),
        "can_edit": can(user, "packages.edit", person),
    }


def reablement_panel(person, user) -> dict | None:
    if not can(user, "packages.view", person):
        return None
    episodes = list(
        ReablementEpisode.objects.filter(person=person).select_related("provider")
        .prefetch_related(Prefetch("follow_ups", FollowUp.objects.order_by("due_on")))[:5]
    )
    return {"episodes": episodes, "today": timezone.localdate(), "can_edit": can(user, "packages.edit", person)}


def register() -> None:
    from jointcare.people.panels import Panel, register_panel

    register_panel(Panel("care-plan", "Care plan", "packages/_person_plan.jinja", plan_panel, order=50))
    register_panel(Panel("reablement", "Reablement", "packages/_person_reablement.jinja", reablement_panel, order=55))
