"""The coterminosity command, API, page and downloads share one code path; check their shapes and errors."""

import io
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jointcare.accounts import services as accounts
from jointcare.organisations.models import Organisation
from jointcare.places import export, report

pytestmark = pytest.mark.django_db
LEVELS = {"pct": 151, "ccg": 135, "stp": 42, "sub-icb": 106, "icb": 42}


@pytest.fixture
def analyst(user_factory):
    return user_factory("ana", roles=["analyst"])


def run(*args):
    out = StringIO()
    call_command("coterminosity", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("level,count", LEVELS.items())
def test_cli_json_keeps_its_shape_at_every_level(reference_data, level, count):
    rows = json.loads(run("--level", level, "--format", "json"))
    assert len(rows) == count
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)
    for r in rows:
        assert set(r) == {"code", "ods_code", "name", "councils", "largest_share", "coterminous"}
        assert set(r["councils"][0]) == {"code", "name", "share", "council_share"}
        shares = [c["share"] for c in r["councils"]]
        assert shares == sorted(shares, reverse=True) and r["largest_share"] == shares[0]
        for c in r["councils"]:
            assert c["share"] == round(c["share"], 4)
            assert c["code"][:3] in ("E06", "E08", "E09", "E10")
    prefix = {"pct": ("E16", "E17"), "ccg": ("E38",), "stp": ("E54",), "sub-icb": ("E38",), "icb": ("E54",)}[level]
    assert all(r["code"].startswith(prefix) for r in rows)


def test_cli_icb_is_today_s_icbs_and_stp_the_2020_ones(reference_data):
    icb = {r["ods_code"]: r for r in json.loads(run("--level", "icb", "--format", "json"))}
    stp = {r["ods_code"]: r for r in json.loads(run("--level", "stp", "--format", "json"))}
    assert icb["QOP"]["code"] == "E54000057" and icb["QOP"]["name"] == "NHS Greater Manchester Integrated Care Board"
    assert stp["QOP"]["code"] == "E54000007" and stp["QOP"]["name"] == "Greater Manchester Health and Social Care Partnership"
    assert "E06000063" in {c["code"] for c in icb["QHM"]["councils"]}  # Cumberland (2023) in North East and North Cumbria


def test_cli_csv_table_and_councils(reference_data):
    lines = run("--level", "ccg", "--format", "csv", "--threshold", "0.9").splitlines()
    assert lines[0].startswith("code,ods_code,name,council_code")
    assert len({line.split(",")[0] for line in lines[1:]}) == 135
    table = run("--level", "sub-icb")
    assert "106 bodies" in table and "April 2024" in table and "April 2023" in table
    councils = json.loads(run("--level", "icb", "--format", "json", "--councils"))
    assert len(councils) == 153 and {"code", "name", "bodies"} == set(councils[0])


def test_cli_bad_level_and_threshold_are_refused(reference_data):
    with pytest.raises(CommandError, match="threshold"):
        run("--level", "ccg", "--threshold", "2")
    with pytest.raises(CommandError, match="invalid choice"):
        run("--level", "lad")


def test_api_answers_with_the_same_numbers_as_the_cli(client, analyst, reference_data):
    client.force_login(analyst)
    for level in ("ccg", "sub-icb"):
        response = client.get("/api/v1/coterminosity", {"level": level, "threshold": "0.95"})
        assert response.status_code == 200
        assert response.json() == json.loads(run("--level", level, "--format", "json"))
    councils = client.get("/api/v1/coterminosity/councils", {"level": "icb"})
    assert councils.status_code == 200 and len(councils.json()) == 153


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
    for path in ("/coterminosity/", "/coterminosity/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response["Location"]


def rows_of(html):
    body = html.split('<tbody class="nhsuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return body.count('<tr class="nhsuk-table__row"')


@pytest.mark.parametrize("level", list(LEVELS))
def test_page_is_paged_and_costs_a_fixed_number_of_queries(client, analyst, reference_data, level, django_assert_max_num_queries):
    client.force_login(analyst)
    client.get("/coterminosity/", {"level": level})  # warm the in-memory snapshot
    report.clear_cache()
    # session, user, groups, reference state, snapshot (areas x3, lsoas x2, pct shares), links (bodies, councils)
    with django_assert_max_num_queries(14):
        response = client.get("/coterminosity/", {"level": level, "threshold": "0.95"})
    assert response.status_code == 200
    html = response.content.decode()
    assert rows_of(html) == min(25, LEVELS[level])
    assert f"All {LEVELS[level]} " in html
    assert 'aria-sort="none"' in html and 'role="region"' in html
    assert ("approximate" in html) == (level == "pct")


def test_page_searches_filters_sorts_and_links_to_organisations(client, analyst, reference_data):
    client.force_login(analyst)
    # "Trafford" is not in the Sub-ICB location's name, but it is the council the body lies in.
    html = client.get("/coterminosity/", {"level": "sub-icb", "q": "trafford"}).content.decode()
    assert "1 of 106 Sub-ICB locations match" in html and "NHS Greater Manchester ICB - 02A" in html
    sub = Organisation.objects.get(kind="sub_icb", gss_code="E38000187", active=True)
    council = Organisation.objects.get(kind="upper_tier_council", gss_code="E08000009")
    assert f'href="/organisations/{sub.pk}/"' in html and f'href="/organisations/{council.pk}/"' in html

    several = client.get("/coterminosity/", {"level": "icb", "spans": "several", "coterminous": "no"}).content.decode()
    result = report.coterminosity_report("icb")
    expected = sum(1 for b in result["bodies"] if len(b["councils"]) > 1 and not b["coterminous"])
    assert f"{expected} of 42 ICBs match" in several
    coterminous = client.get("/coterminosity/", {"level": "icb", "coterminous": "yes"}).content.decode()
    names = sorted(b["name"] for b in result["bodies"] if b["coterminous"])
    assert rows_of(coterminous) == len(names) == result["summary"]["coterminous"]
    assert all(name in coterminous for name in names)

    ordered = client.get("/coterminosity/", {"level": "icb", "sort": "-largest"}).content.decode()
    shares = [float(x) for x in re.findall(r'Largest share </span><span>([\d.]+)%', ordered)]
    assert len(shares) == 25 and shares == sorted(shares, reverse=True)
    assert 'aria-sort="descending"><a href="?level=icb&amp;threshold=0.95&amp;sort=largest"' in ordered
    second = client.get("/coterminosity/", {"level": "icb", "page": "2"}).content.decode()
    assert rows_of(second) == 17 and "showing 26 to 42" in second

    nothing = client.get("/coterminosity/", {"level": "icb", "q": "atlantis"}).content.decode()
    assert 'id="no-results"' in nothing


def test_page_bad_input_shows_errors_naming_the_field(client, analyst):
    client.force_login(analyst)
    response = client.get("/coterminosity/", {"level": "ccg", "threshold": "lots"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "nhsuk-error-summary" in html and 'href="#threshold"' in html
    assert client.get("/coterminosity/export.csv", {"level": "nope"}).status_code == 400


def test_downloads_hold_the_filtered_bodies_one_row_per_council(client, analyst, reference_data):
    client.force_login(analyst)
    response = client.get("/coterminosity/export.csv", {"level": "icb", "q": "greater manchester"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="coterminosity-icb.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "code,ods_code,name,council_code,council_name,share,council_share,largest_share,coterminous"
    assert len(lines) == 11 and all(line.startswith("E54000057,QOP,") for line in lines[1:])
    xlsx = client.get("/coterminosity/export.xlsx", {"level": "stp"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    expected = sum(len(b["councils"]) for b in report.coterminosity_report("stp")["bodies"])
    assert len(values) == 1 + expected
    assert isinstance(values[1][5], float) and values[1][8] in ("yes", "no")


def test_text_that_looks_like_a_formula_is_written_as_text():
    headers, rows = ["name", "share"], [["=HYPERLINK(\"x\")", 0.5], ["+44 1234", -0.25], ["@SUM(A1)", 1], ["-x", 2], ["Plain", 3]]
    csv_text = export.to_csv(headers, rows).decode("utf-8-sig").splitlines()
    assert csv_text[1].startswith("\"'=HYPERLINK") and csv_text[2] == "'+44 1234,-0.25"
    assert csv_text[3].startswith("'@SUM") and csv_text[4] == "'-x,2" and csv_text[5] == "Plain,3"
    sheet = load_workbook(io.BytesIO(export.to_xlsx(headers, rows, "Test"))).active
    cells = [row for row in sheet.iter_rows(min_row=2)]
    assert [c[0].data_type for c in cells] == ["s"] * 5
    assert cells[0][0].value == "=HYPERLINK(\"x\")" and cells[1][1].value == -0.25


def test_council_boundaries_are_today_s_councils_served_gzipped(client, analyst):
    client.force_login(analyst)
    response = client.get("/coterminosity/councils.geojson", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    plain = client.get("/coterminosity/councils.geojson")
    data = json.loads(plain.content)
    assert len(data["features"]) == 153
    assert all(f["properties"]["code"][:3] in ("E06", "E08", "E09", "E10") for f in data["features"])


def test_page_says_when_a_level_is_not_loaded(client, analyst):
    from jointcare.places.tests.conftest import clear_reference

    clear_reference()  # inside the test's transaction: rolled back afterwards
    client.force_login(analyst)
    response = client.get("/coterminosity/", {"level": "icb"})
    assert response.status_code == 200
    assert "No ICBs are loaded" in response.content.decode() and "jointcare load-reference" in response.content.decode()
