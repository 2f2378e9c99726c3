"""The care plan pages: the plan with costs and funding, the service forms with GOV.UK dates, approval, history,
reablement and follow-ups, and the import page."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jointcare.packages import services
from jointcare.packages.domain import ServiceType

pytestmark = pytest.mark.django_db


def _date(prefix, day):
    return {f"{prefix}-day": day.day, f"{prefix}-month": day.month, f"{prefix}-year": day.year} if day else {}


def test_plan_page_shows_services_costs_and_funding(client, coordinator, person, spec):
    services.add_service(coordinator, person, spec(name="Morning calls", ends_on=dt.date(2026, 6, 30)))
    client.force_login(coordinator)
    r = client.get(reverse("packages:plan", args=[person.pk]) + "?year=2026")
    text = r.content.decode()
    assert r.status_code == 200
    assert "Morning calls" in text and "£70.00" in text and "£300.00" in text  # weekly, April
    assert "Pooled budget 60%, NHS 40%" in text


def test_add_a_service_through_the_form_and_see_errors_named(client, coordinator, person, provider, schemes):
    client.force_login(coordinator)
    url = reverse("packages:service-add", args=[person.pk])
    assert client.get(url).status_code == 200
    data = {"name": "Day centre", "provider": provider.pk, "service_type": ServiceType.COMMUNITY.value,
            "component": "Day care", "delivery_mechanism": "CASSR Commissioned support", "units_per_week": "2",
            "unit_cost": "45.00", **_date("starts_on", dt.date(2026, 4, 1)), "pooled_percent": "50",
            "council_percent": "40", "scheme": schemes["REAB"].pk}
    r = client.post(url, data)
    assert r.status_code == 400 and "add to 90%" in r.content.decode()
    r = client.post(url, {**data, "starts_on-month": "13"})
    assert r.status_code == 400 and "Start date must be a real date" in r.content.decode()
    r = client.post(url, {**data, "council_percent": "50"})
    assert r.status_code == 302
    assert services.plan_of(person).services.count() == 1


def test_change_and_end_a_service(client, coordinator, person, spec):
    service = services.add_service(coordinator, person, spec())
    client.force_login(coordinator)
    r = client.get(reverse("packages:service-change", args=[service.pk]))
    assert r.status_code == 200 and 'value="10.00"' in r.content.decode()
    r = client.post(reverse("packages:service-end", args=[service.pk]), {**_date("ends_on", dt.date(2026, 5, 31)), "reason": "Moved"})
    assert r.status_code == 302
    service.refresh_from_db()
    assert service.ends_on == dt.date(2026, 5, 31)


def test_approval_page_and_history(client, coordinator, commissioner, person, spec, settings):
    settings.PACKAGES_APPROVAL_WEEKLY_PENCE = 100
    services.add_service(coordinator, person, spec())
    plan = services.plan_of(person)
    client.force_login(commissioner)
    r = client.get(reverse("packages:approval", args=[plan.pk]))
    assert r.status_code == 200 and "Service added: Home care" in r.content.decode()
    r = client.post(reverse("packages:approval", args=[plan.pk]), {"version": 1, "decision": "approve"})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "approved"
    client.force_login(coordinator)
    assert client.get(reverse("packages:approval", args=[plan.pk])).status_code == 403
    r = client.get(reverse("packages:history", args=[plan.pk]))
    assert r.status_code == 200 and "Approved by cath" in r.content.decode()


def test_reablement_pages_show_follow_ups_due_and_overdue(client, coordinator, person, spec):
    today = dt.date.today()
    episode = services.start_episode(coordinator, person, starts_on=today - dt.timedelta(days=100),
                                     discharged_on=today - dt.timedelta(days=100))
    client.force_login(coordinator)
    r = client.get(reverse("packages:reablement", args=[person.pk]))
    text = r.content.decode()
    assert r.status_code == 200 and "Overdue" in text and "Due" in text
    r = client.post(reverse("packages:reablement-end", args=[episode.pk]),
                    {**_date("ends_on", today - dt.timedelta(days=50)), "outcome": "NFA: Support ended as planned"})
    assert r.status_code == 400 and "42 days at most" in r.content.decode()
    follow_up = episode.follow_ups.get(kind="week_12")
    r = client.post(reverse("packages:follow-up", args=[follow_up.pk]), {**_date("seen_on", today), "whereabouts": "at_home"})
    assert r.status_code == 302
    assert "At home on" in client.get(reverse("packages:reablement", args=[person.pk])).content.decode()


def test_extend_then_end_an_episode_through_the_forms(client, coordinator, person):
    today = dt.date.today()
    episode = services.start_episode(coordinator, person, starts_on=today - dt.timedelta(days=40),
                                     discharged_on=today - dt.timedelta(days=41))
    client.force_login(coordinator)
    extend = reverse("packages:reablement-extend", args=[episode.pk])
    assert client.get(extend).status_code == 200
    r = client.post(extend, {**_date("extended_to", today + dt.timedelta(days=14)), "reason": ""})
    assert r.status_code == 400 and "Say why the episode is extended" in r.content.decode()
    r = client.post(extend, {**_date("extended_to", today + dt.timedelta(days=14)), "reason": "Stairs need two more weeks"})
    assert r.status_code == 302 and r["Location"] == reverse("packages:reablement", args=[person.pk])
    episode.refresh_from_db()
    assert (episode.extended_to, episode.extension_reason) == (today + dt.timedelta(days=14), "Stairs need two more weeks")
    end = reverse("packages:reablement-end", args=[episode.pk])
    r = client.post(end, {**_date("ends_on", today), "outcome": "NFA: Support ended as planned"})
    assert r.status_code == 302
    episode.refresh_from_db()
    assert (episode.ends_on, episode.outcome) == (today, "NFA: Support ended as planned")
    r = client.post(end, {**_date("ends_on", today), "outcome": "NFA: Support ended as planned"})
    assert r.status_code in (400, 409) and "already ended" in r.content.decode()


def test_reablement_start_refuses_a_discharge_after_the_start(client, coordinator, person):
    client.force_login(coordinator)
    r = client.post(reverse("packages:reablement-start", args=[person.pk]),
                    {**_date("starts_on", dt.date(2026, 5, 1)), **_date("discharged_on", dt.date(2026, 5, 3))})
    assert r.status_code == 400 and "cannot be after reablement starts" in r.content.decode()


def test_import_page_reports_rejected_rows(client, coordinator, person):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("s.csv", b"nhs_number,name\n1,x\n", content_type="text/csv")
    r = client.post(reverse("packages:import"), {"file": upload})
    assert r.status_code == 400 and "the required column" in r.content.decode()


def test_pages_need_a_care_relationship(client, user_factory, partners, person, spec, coordinator):
    stranger = user_factory("sam", roles=["care_coordinator"], organisation=partners["icb"])
    client.force_login(stranger)
    assert client.get(reverse("packages:plan", args=[person.pk])).status_code == 403
    assert client.get(reverse("packages:reablement", args=[person.pk])).status_code == 403


def test_the_person_page_shows_the_plan_and_reablement_panels(client, coordinator, person, spec):
    services.add_service(coordinator, person, spec(name="Lunch club"))
    services.start_episode(coordinator, person, starts_on=dt.date(2026, 5, 1), discharged_on=dt.date(2026, 4, 30))
    client.force_login(coordinator)
    r = client.get(reverse("people:detail", args=[person.pk]))
    text = r.content.decode()
    assert r.status_code == 200
    assert 'id="panel-care-plan"' in text and "Lunch club" in text
    assert 'id="panel-reablement"' in text and "91 days after discharge" in text


def test_a_confirmation_is_shown_once(client, coordinator, person):
    """The layout's success banner says it; the page does not repeat it."""
    client.force_login(coordinator)
    r = client.post(reverse("packages:reablement-start", args=[person.pk]),
                    {**_date("starts_on", dt.date(2026, 5, 1)), **_date("discharged_on", dt.date(2026, 4, 30))}, follow=True)
    assert r.status_code == 200 and r.content.decode().count("Reablement episode started.") == 1
