"""The outcome pages, the API, the CLI and the downloads, over a small loaded data set."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jointcare.audit.models import AuditEntry
from jointcare.cld import testing as t
from jointcare.outcomes.models import Target
from jointcare.outcomes.tests.conftest import FY, LA, OTHER

pytestmark = pytest.mark.django_db

RES = "Long term support: Residential care"


@pytest.fixture
def loaded():
    t.submission([t.service("A", "2025-05-01", None, service_type=RES),
                  t.service("B", "2025-05-01", None, service_type="Short term support: ST-Max")], la_code=LA, period=FY)
    t.submission([t.service("C", "2025-05-01", None, service_type=RES)], la_code=OTHER, period=FY)
    t.population(LA, "65 and above", 10_000)
    t.population(OTHER, "65 and above", 30_000)


def test_cli_json_is_exactly_the_documented_shape(loaded):
    out = StringIO()
    call_command("measures", "compute", "--period", "2025-26", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["period"] == "2025-26"
    two_c = next(m for m in data["measures"] if m["code"] == "2C")
    assert two_c == {"code": "2C", "name": two_c["name"], "area": "all", "numerator": 2, "denominator": 40_000,
                     "value": 5.0, "unit": "per 100,000 population"}
    assert all(set(m) == {"code", "name", "area", "numerator", "denominator", "value", "unit"} for m in data["measures"])


def test_cli_area_table_and_csv(loaded):
    out = StringIO()
    call_command("measures", "compute", "--period", "2025-26", "--area", LA, stdout=out)
    assert "2C" in out.getvalue() and LA in out.getvalue() and "10.0" in out.getvalue()
    out = StringIO()
    call_command("measures", "compute", "--period", "2025-26", "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "period,code,name,area,numerator,denominator,value,unit" and len(lines) == 11


@pytest.mark.parametrize("args,message", [
    (["--period", "2025"], "like 2025-26"),
    (["--period", "2025-26", "--area", "E07000001"], "GSS code"),
    (["--period", "2025-26", "--area", "E06000099"], "No Client Level Data is loaded for E06000099"),
])
def test_cli_refuses_bad_choices_clearly(loaded, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("measures", "compute", *args, stdout=StringIO())


def test_api_gives_the_same_figures(loaded, client, user_factory):
    user = user_factory("ana", roles=["analyst"])
    client.force_login(user)
    got = client.get("/api/v1/measures", {"period": "2025-26", "area": OTHER})
    assert got.status_code == 200
    two_c = next(m for m in got.json()["measures"] if m["code"] == "2C")
    assert (two_c["area"], two_c["numerator"], two_c["denominator"], two_c["value"]) == (OTHER, 1, 30_000, 3.3)
    bad = client.get("/api/v1/measures", {"period": "26-27"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
    assert client.get("/api/v1/measures", {"period": "2025-26", "area": "E06000099"}).status_code == 404


def test_care_staff_cannot_see_measures(loaded, client, user_factory):
    client.force_login(user_factory("sw", roles=["social_worker"]))
    assert client.get("/api/v1/measures", {"period": "2025-26"}).status_code == 403
    assert client.get("/outcomes/", {"period": "2025-26"}).status_code == 403


def test_measure_page_shows_people_only_to_analysts_and_audits_the_view(loaded, client, user_factory):
    client.force_login(user_factory("board", roles=["board_member"]))
    page = client.get("/outcomes/measures/2C", {"period": "2025-26"}).content.decode()
    assert "Differences from the reference" in page and "40,000" in page and "people or episodes behind" not in page
    client.force_login(user_factory("ana", roles=["analyst"]))
    page = client.get("/outcomes/measures/2C", {"period": "2025-26"}).content.decode()
    assert "people or episodes behind" in page and f"{LA}_A" in page
    assert AuditEntry.objects.filter(action="outcomes.detail.view", actor__username="ana").count() == 1


def test_targets_give_a_status_and_a_trajectory(loaded, client, user_factory):
    client.force_login(user_factory("comm", roles=["commissioner"]))
    response = client.post("/outcomes/targets", {"measure": "2C", "area": "all", "period": "2025-26", "value": "4.0", "tolerance": "0.5"})
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.measure, str(target.value), str(target.tolerance)) == ("2C", "4.0", "0.5")
    assert AuditEntry.objects.filter(action="outcomes.target").count() == 1
    page = client.get("/outcomes/", {"period": "2025-26"}).content.decode()
    assert "Off target" in page  # 5.0 against a target of 4.0 or lower, more than 0.5 over
    bad = client.post("/outcomes/targets", {"measure": "2C", "area": "all", "period": "2025-26", "value": "lots"})
    assert bad.status_code == 422 and Target.objects.count() == 1


def test_dashboard_board_pack_and_downloads(loaded, client, user_factory):
    client.force_login(user_factory("board", roles=["board_member"]))
    for url in ("/outcomes/", "/outcomes/dashboard", "/outcomes/board-pack"):
        page = client.get(url, {"period": "2025-26"})
        assert page.status_code == 200, url
    assert "<svg" in client.get("/outcomes/dashboard", {"period": "2025-26"}).content.decode()
    csv = client.get("/outcomes/export.csv", {"period": "2025-26"})
    assert csv.status_code == 200 and b"2C" in csv.content
    xlsx = client.get("/outcomes/export.xlsx", {"period": "2025-26", "area": LA})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
