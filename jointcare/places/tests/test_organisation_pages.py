"""Every ICB, Sub-ICB location, CCG, STP, PCT and council page shows its own coterminosity, its history and its
partnerships; search finds today's bodies by their words, codes and former names. On the shipped reference data."""

import json
import re

import pytest

from jointcare.organisations.models import Organisation
from jointcare.places import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client, user_factory):
    user = user_factory("ana", roles=["analyst"])
    client.force_login(user)
    return user


def page(client, **lookup):
    org = Organisation.objects.get(**lookup)
    response = client.get(f"/organisations/{org.pk}/")
    assert response.status_code == 200
    return org, response.content.decode()


def map_data(html):
    return json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S).group(1))


def overlap_rows(html, table_id):
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    table = re.sub(r'<span class="nhsuk-table__heading" aria-hidden="true">.*?</span>', "", table)  # phone-width labels
    cells = re.findall(r'<td class="nhsuk-table__cell[^"]*"[^>]*>(.*?)</td>', table, re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


def test_an_icb_page_shows_the_councils_it_overlaps_with_shares_and_map(client, analyst, reference_data):
    icb, html = page(client, kind="icb", ods_code="QOP")
    assert "GSS code None" not in html and "E54000057" in html
    assert "Overlaps 10 councils with social services" in html and "Not coterminous" in html
    cells = overlap_rows(html, "overlaps")
    entry = report.body("icb", "E54000057")
    assert cells == [x for c in entry["councils"] for x in (c["name"], f"{c['share']:.1%}", f"{c['council_share']:.1%}")]
    trafford = Organisation.objects.get(kind="upper_tier_council", gss_code="E08000009")
    assert f'<a href="/organisations/{trafford.pk}/">Trafford</a>' in html
    data = map_data(html)
    assert data["mode"] == "share" and data["values"] == {c["code"]: c["council_share"] for c in entry["councils"]}
    assert data["names"]["E08000009"] == "Trafford: 100.0% of the council lies in the ICB, 8.2% of the ICB"
    assert data["outlines"] == {} and data["fit"]
    # History: formed from the Greater Manchester STP; its Sub-ICB locations are named by their main council.
    assert "Greater Manchester Health and Social Care Partnership" in html.split('id="predecessors"')[1].split("</ul>")[0]
    assert "Mostly in Trafford" in html
    assert "Not a party to any partnership agreement" in html


def test_a_sub_icb_page_says_it_is_coterminous_and_where_it_came_from(client, analyst, reference_data):
    sub, html = page(client, kind="sub_icb", ods_code="02A")
    summary = html.split('id="coterminosity-summary">', 1)[1].split("</p>", 1)[0]
    assert "Coterminous with Trafford" in summary and "100.0%" in summary
    assert "NHS Trafford CCG" in html.split('id="predecessors"')[1].split("</ul>")[0]
    assert "ALTRINCHAM MEDICAL PRACTICE" in html  # its practices


def test_a_ccg_page_is_closed_and_names_its_successors(client, analyst, reference_data):
    ccg, html = page(client, kind="ccg", gss_code="E38000182")  # Tameside and Glossop
    assert "Closed" in html and "Succeeded by" in html
    successors = html.split('id="successors"')[1].split("</ul>")[0]
    assert "NHS Greater Manchester ICB - 01Y" in successors and "NHS Derby and Derbyshire ICB - 15M" in successors
    assert "87.0% of the area" in successors and "13.0% of the area" in successors
    assert "Clinical commissioning groups (April 2020)" in html
    assert {"Tameside", "Derbyshire"} <= set(overlap_rows(html, "overlaps"))


def test_stp_and_pct_pages_show_their_coterminosity(client, analyst, reference_data):
    _, html = page(client, kind="stp", ods_code="QOP")
    assert "Derbyshire" in overlap_rows(html, "overlaps")  # Glossop was in Greater Manchester in 2020
    assert "NHS Greater Manchester Integrated Care Board" in html.split('id="successors"')[1]
    _, html = page(client, kind="pct", ods_code="5NR")  # Trafford PCT
    assert "Coterminous with Trafford" in html and "approximate" in html


def test_a_council_page_lists_the_nhs_bodies_of_every_level(client, analyst, reference_data):
    council, html = page(client, kind="upper_tier_council", gss_code="E08000009")
    assert overlap_rows(html, "bodies-sub-icb") == ["NHS Greater Manchester ICB - 02A", "100.0%", "100.0%", "Yes"]
    assert overlap_rows(html, "bodies-icb")[0] == "NHS Greater Manchester Integrated Care Board"
    assert "NHS Trafford CCG" in overlap_rows(html, "bodies-ccg")
    data = map_data(html)
    assert data == {"mode": "highlight", "values": {"E08000009": 1}, "names": {"E08000009": "Trafford"},
                    "outlines": {}, "fit": True, "unit": ["ICB", "ICBs"]}


def test_a_council_that_no_longer_exists_is_shown_on_today_s_outlines(client, analyst, reference_data):
    _, html = page(client, kind="upper_tier_council", gss_code="E10000006")  # Cumbria, until 2023
    assert "Closed" in html and "Cumberland" in html.split('id="successors"')[1]
    assert 'id="bodies-icb"' not in html and 'id="bodies-ccg"' in html
    data = map_data(html)
    assert data["outlines"]["E06000063"] == data["outlines"]["E06000064"] == "E10000006"


def test_a_practice_page_has_no_coterminosity(client, analyst, reference_data):
    _, html = page(client, ods_code="P91004")
    assert 'id="map"' not in html and "leaflet" not in html
    assert "NHS Greater Manchester ICB - 02A" in html.split('id="parent-chain"')[1]


def test_an_icb_page_costs_a_fixed_number_of_queries(client, analyst, reference_data, django_assert_max_num_queries):
    icb = Organisation.objects.get(kind="icb", ods_code="QOP")
    client.get(f"/organisations/{icb.pk}/")  # warm the coterminosity snapshot
    with django_assert_max_num_queries(14):
        assert client.get(f"/organisations/{icb.pk}/").status_code == 200


def test_search_finds_bodies_by_words_in_any_order_and_former_names(client, analyst, reference_data):
    html = client.get("/organisations/", {"q": "Manchester greater integrated"}).content.decode()
    assert "NHS Greater Manchester Integrated Care Board" in html and "1 organisation" in html
    html = client.get("/organisations/", {"q": "trafford", "kind": "sub_icb"}).content.decode()
    assert "NHS Greater Manchester ICB - 02A" in html and "1 organisation" in html  # formerly NHS Trafford CCG
    html = client.get("/organisations/", {"q": "02a"}).content.decode()
    assert html.index("NHS Greater Manchester ICB - 02A") < html.index("NHS Trafford CCG")  # open first
    html = client.get("/organisations/", {"q": "trafford general"}).content.decode()
    assert "0 organisations" in html and 'id="no-results"' in html and "Hospitals and other NHS trust sites" in html
