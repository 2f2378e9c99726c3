"""The audit trail reads as words for the people who govern information: labels, pounds, field lists, filters
by who/what/which record/when, CSV export, and each pool's finance staff see that pool's trail."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from jointcare.accounts.domain import Role
from jointcare.accounts.tests.conftest import PASSWORD
from jointcare.audit.domain import action_label, field_rows
from jointcare.audit.services import record
from jointcare.exports import safe_text as safe_cell

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_codes_become_words_and_pence_pounds():
    assert action_label("pool.post") == "Posted a transaction"
    assert action_label("pool.something_new") == "Pool: something new"
    rows = field_rows({"amount_pence": 1234567, "reason": "x"}, {"amount_pence": -50, "reason": "x", "closed": True})
    assert rows == [("Amount", "£12,345.67", "-£0.50"), ("Closed", "–", "Yes")]


def test_page_shows_labels_pounds_and_escaped_fields_not_codes_or_json(world):
    admin = world.user(Role.ADMINISTRATOR, "host")
    record(admin, "pool.commit", world.pool, before={"amount_pence": 100}, after={"amount_pence": 250000,
                                                                                   "reference": "<b>x</b>"})
    html = signed_in(admin).get("/audit/").content.decode()
    assert "Recorded a commitment" in html and "pool.commit<" not in html
    assert "£2,500.00" in html and "amount_pence" not in html and '{"amount_pence"' not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


@pytest.mark.parametrize("tie, sees", [("host", True), ("named", True), ("party", False), ("outsider", False)])
def test_the_pools_finance_officers_see_its_trail(world, tie, sees):
    from jointcare.pool.models import Pool

    officer = world.user(Role.FINANCE_OFFICER, tie)
    Pool.objects.filter(pk=world.pool.pk).update(manager=world.user(Role.FINANCE_OFFICER, "named"))
    record(None, "user.set_roles", object_type="accounts.user", object_id="1", summary="not for pool staff")
    response = signed_in(officer).get(f"/audit/?object=pool:{world.pool.pk}")
    assert response.status_code == 200  # any finance officer may open the trail; it holds only their pools'
    html = response.content.decode()
    assert ("Set up a pooled budget" in html) is sees
    assert "not for pool staff" not in html


def test_filters_by_who_what_object_and_dates(world):
    import datetime as dt

    from django.utils import timezone

    from jointcare.audit.models import AuditEntry

    admin = world.user(Role.ADMINISTRATOR, "host")
    old = record(admin, "token.revoke", object_type="accounts.apitoken", object_id="9", summary="old one")
    AuditEntry.objects.filter(pk=old.pk).update(at=old.at - dt.timedelta(days=40))
    record(admin, "token.revoke", object_type="accounts.apitoken", object_id="9", summary="new one")
    client = signed_in(admin)
    day = timezone.localdate(old.at - dt.timedelta(days=40))  # the day as the filter reads it, in local time
    html = client.get("/audit/", {"what": "token.revoke", "who": admin.username, "object": "token:9",
                                  "date_to-day": day.day, "date_to-month": day.month, "date_to-year": day.year}).content.decode()
    assert "old one" in html and "new one" not in html
    html = client.get("/audit/", {"object": f"agreement:{world.agreement.pk}"}).content.decode()
    assert "Set up a partnership board" in html and "new one" not in html


def test_bad_filter_dates_are_named_and_the_title_says_error(world):
    client = signed_in(world.user(Role.ADMINISTRATOR, "host"))
    response = client.get("/audit/", {"date_from-day": "31", "date_from-month": "2", "date_from-year": "2026"})
    html = response.content.decode()
    assert "<title>Error: Audit trail" in html
    assert "Date from must be a real date" in html


def test_export_is_csv_with_labels_and_formula_safe_cells(world):
    admin = world.user(Role.ADMINISTRATOR, "host")
    record(admin, "organisation.update", object_type="organisations.organisation", object_id="3",
           before={"name": "Old"}, after={"name": "=HYPERLINK(\"http://x\")"}, summary="@SUM(A1)")
    response = signed_in(admin).get("/audit/export.csv", {"what": "organisation.update"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-20')  # dated, like every export
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["When", "Who", "Action"]
    assert rows[1][2] == "Changed an organisation" and rows[1][3] == "Organisation 3"
    assert rows[1][4] == "'@SUM(A1)" and rows[1][5:] == ["Name", "Old", "'=HYPERLINK(\"http://x\")"]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_safe_cell_prefixes_every_formula_start(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("plain") == "plain"
