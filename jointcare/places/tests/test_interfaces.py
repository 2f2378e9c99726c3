"""The coterminosity command, API and page share one code path; check their shapes and errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jointcare.accounts import services as accounts
from jointcare.places import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(user_factory):
    return user_factory("ana", roles=["analyst"])


def run(*args):
    out = StringIO()
    call_command("coterminosity", *args, stdout=out)
    return out.getvalue()


def test_cli_json_shape(reference_data):
    rows = json.loads(run("--level", "icb", "--format", "json"))
    assert len(rows) == 42
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    first = rows[0]
    assert set(first) == {"code", "ods_code", "name", "councils", "largest_share", "coterminous"}
    assert first["code"].startswith("E54") and first["ods_code"].startswith("Q")
    assert set(first["councils"][0]) == {"code", "name", "share", "council_share"}
    shares = [c["share"] for c in first["councils"]]
    assert shares == sorted(shares, reverse=True)
    assert first["largest_share"] == shares[0]
    for r in rows:
        for c in r["councils"]:
            assert c["share"] == round(c["share"], 4)
            assert c["code"][:3] in ("E06", "E08", "E09", "E10")


def test_cli_csv_table_and_councils(reference_data):
    lines = run("--level", "ccg", "--format", "csv", "--threshold", "0.9").splitlines()
    assert lines[0].startswith("code,ods_code,name,council_code")
    assert len({line.split(",")[0] for line in lines[1:]}) == 135
    table = run("--level", "pct")
    assert "151 bodies" in table
    councils = json.loads(run("--level", "ccg", "--format", "json", "--councils"))
    assert len(councils) == 151 and {"code", "name", "bodies"} == set(councils[0])


def test_cli_bad_threshold_names_it(reference_data):
    with pytest.raises(CommandError, match="threshold"):
        run("--level", "ccg", "--threshold", "2")


def test_api_answers_with_the_same_numbers_as_the_cli(client, analyst, reference_data):
    client.force_login(analyst)
    response = client.get("/api/v1/coterminosity", {"level": "ccg", "threshold": "0.95"})
    assert response.status_code == 200
    assert response.json() == json.loads(run("--level", "ccg", "--format", "json"))
    councils = client.get("/api/v1/coterminosity/councils", {"level": "icb"})
    assert councils.status_code == 200 and len(councils.json()) == 151


def test_api_with_a_bearer_token(client, analyst, reference_data):
    _, token = accounts.create_token(None, analyst)
    response = client.get("/api/v1/coterminosity?level=icb", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and len(response.json()) == 42


@pytest.mark.parametrize(
    "query,status,field",
    [
        ("level=lad", 422, "level"),
        ("threshold=0.9", 422, "level"),
        ("level=ccg&threshold=abc", 422, "threshold"),
        ("level=ccg&threshold=0", 422, "threshold"),
        ("level=ccg&threshold=1.2", 422, "threshold"),
        ("level=ccg&threshold=nan", 422, "threshold"),
    ],
)
def test_api_bad_input_names_the_field(client, analyst, query, status, field):
    client.force_login(analyst)
    response = client.get(f"/api/v1/coterminosity?{query}")
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field


def test_api_needs_authentication(client):
    assert client.get("/api/v1/coterminosity?level=ccg").status_code == 401


def test_page_needs_sign_in(client):
    response = client.get("/coterminosity/")
    assert response.status_code == 302 and "/sign-in" in response["Location"]


@pytest.mark.parametrize("level", ["pct", "ccg", "icb"])
def test_page_renders_with_a_fixed_number_of_queries(client, analyst, reference_data, level, django_assert_max_num_queries):
    client.force_login(analyst)
    client.get("/coterminosity/", {"level": level})  # warm the in-memory snapshot
    services.clear_cache()
    with django_assert_max_num_queries(12):  # session, user, groups, reference state, snapshot (areas, lsoas, pct)
        response = client.get("/coterminosity/", {"level": level, "threshold": "0.95"})
    assert response.status_code == 200
    html = response.content.decode()
    report = services.coterminosity_report(level)
    assert f"<dd class=\"nhsuk-summary-list__value\">\n      {report['summary']['bodies']}" in html or str(
        report["summary"]["bodies"]) in html
    assert html.count('<tr class="nhsuk-table__row">') == 2 + report["summary"]["bodies"] + 151
    assert 'aria-sort="ascending"' in html and 'role="region"' in html
    if level == "pct":
        assert "approximate" in html


def test_page_bad_input_shows_errors_naming_the_field(client, analyst):
    client.force_login(analyst)
    response = client.get("/coterminosity/", {"level": "ccg", "threshold": "lots"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "nhsuk-error-summary" in html and 'href="#threshold"' in html


def test_council_boundaries_are_served_gzipped(client, analyst):
    client.force_login(analyst)
    response = client.get("/coterminosity/councils.geojson", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    plain = client.get("/coterminosity/councils.geojson")
    data = json.loads(plain.content)
    assert len(data["features"]) == 151
    assert all(f["properties"]["code"][:3] in ("E06", "E08", "E09", "E10") for f in data["features"])
