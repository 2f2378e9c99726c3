"""Odd input never becomes a 500: huge ids and offsets are refused as out of range (422), NUL characters in
the address or query string as unreadable (400), in a body as invalid (4xx naming the field)."""

import json

import pytest

from jointcare.accounts.services import create_token
from jointcare.organisations.models import Organisation
from jointcare.partnerships.models import Agreement

pytestmark = pytest.mark.django_db

BIG = "9" * 30


@pytest.fixture
def user(user_factory):
    return user_factory("comm", roles=["commissioner"])


@pytest.fixture
def headers(user):
    _, token = create_token(None, user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize(
    "path,status",
    [
        (f"/api/v1/organisations/{BIG}", 422),
        (f"/api/v1/partnerships/{BIG}", 422),
        (f"/api/v1/partnerships/{BIG}/board/members", 422),
        (f"/api/v1/organisations?offset={BIG}", 422),
        ("/api/v1/organisations?q=%00", 400),
        ("/api/v1/partnerships?q=%00", 400),
        ("/api/v1/organisations/by-code/E0%008", 400),
    ],
)
def test_api_reads(client, headers, path, status):
    response = client.get(path, **headers)
    assert response.status_code == status
    assert response.json()


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/api/v1/organisations", {"name": "x", "kind": "icb", "parent_id": int(BIG)}, "parent_id"),
        ("/api/v1/organisations", {"name": "x\u0000y", "kind": "icb"}, "name"),
        ("/api/v1/organisations", {"name": "x", "kind": "provider", "sector": "nhs", "parent_code": "Q\u0000P"}, "parent_code"),
        (
            "/api/v1/partnerships",
            {"name": "x", "kind": "duty_to_cooperate", "starts_on": "2025-01-01", "parties": [{"organisation_id": int(BIG), "role": "member"}]},
            "parties.0.organisation_id",
        ),
        ("/api/v1/partnerships", {"name": "a\u0000b", "kind": "duty_to_cooperate", "starts_on": "2025-01-01"}, "name"),
    ],
)
def test_api_writes(client, headers, path, body, field):
    response = client.post(path, json.dumps(body), content_type="application/json", **headers)
    assert 400 <= response.status_code < 500
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Organisation.objects.exists() and not Agreement.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        f"/organisations/{BIG}/", f"/partnerships/{BIG}/", f"/organisations/code/{BIG}", f"/organisations/?page={BIG}",
        f"/partnerships/{BIG}/end", f"/partnerships/{BIG}/terminate", f"/partnerships/{BIG}/meetings/{BIG}/attendance",
    ],
)
def test_pages(client, user, path):
    client.force_login(user)
    assert client.get(path).status_code in (200, 404)


def test_page_with_a_nul_in_the_query_string(client, user):
    client.force_login(user)
    response = client.get("/organisations/?q=%00")
    assert response.status_code == 400 and "q: contains a NUL character" in response.content.decode()


def test_forms(client, user):
    client.force_login(user)
    response = client.post("/partnerships/new", {"name": "x", "kind": "duty_to_cooperate", "starts_on": "2025-01-01", "host_id": BIG})
    assert response.status_code == 400
    response = client.post("/organisations/new", {"name": "a\x00b", "kind": "icb"})
    assert response.status_code == 400 and "contains a NUL character" in response.content.decode()
    response = client.post("/organisations/new", {"name": "a\x0bb", "kind": "icb"})
    assert response.status_code == 400 and "control character U+000B" in response.content.decode()
    assert not Organisation.objects.exists()


def test_odd_dates_and_ids_on_the_new_pages(client, user, headers, orgs):
    from jointcare.partnerships import services

    client.force_login(user)
    user.organisation = orgs["council"]
    user.save()
    agreement = services.create_agreement(
        None, name="x", kind="duty_to_cooperate", starts_on="2025-01-01", parties=[(orgs["council"], "host")]
    )
    board = services.create_board(None, agreement, name="Board")
    services.add_board_member(
        None, board, person_name="Jo", organisation=orgs["council"], basis="appointed_by_council", user=user
    )
    for parts in ({"held_on-day": BIG, "held_on-month": BIG, "held_on-year": BIG}, {"held_on-day": "\x00", "held_on-month": "1"}):
        response = client.post(f"/partnerships/{agreement.pk}/meetings/new", parts)
        assert response.status_code == 400
    assert client.get(f"/partnerships/{agreement.pk}/meetings/{BIG}/attendance").status_code == 404
    assert client.post(f"/partnerships/{agreement.pk}/terminate", {"reason": "a\x00b"}).status_code == 400
    response = client.put(
        f"/api/v1/partnerships/{agreement.pk}/meetings/{BIG}/attendees", json.dumps({"attendee_ids": []}),
        content_type="application/json", **headers,
    )
    assert 400 <= response.status_code < 500 and response.json()
    response = client.post(
        f"/api/v1/partnerships/{agreement.pk}/terminate", json.dumps({"reason": "a\u0000b"}),
        content_type="application/json", **headers,
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reason"
    assert services.get_agreement(agreement.pk).status == "draft"
