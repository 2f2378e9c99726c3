import json

import pytest

from jointcare.accounts.services import create_token
from jointcare.partnerships.models import Agreement

pytestmark = pytest.mark.django_db


def _client(client, user_factory, username, roles, organisation=None):
    _, token = create_token(None, user_factory(username, roles=roles, organisation=organisation))

    def call(method, path, body=None, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if method == "get":
            return client.get(f"/api/v1/partnerships{path}", params, **headers)
        data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
        return getattr(client, method)(f"/api/v1/partnerships{path}", data, content_type="application/json", **headers)

    return call


@pytest.fixture
def api(client, user_factory, orgs):
    """A commissioner of the council, which is a party to the agreements these tests make."""
    return _client(client, user_factory, "comm", ["commissioner"], orgs["council"])


def test_the_whole_journey(api, orgs):
    response = api(
        "post",
        "",
        {
            "name": "Trafford Better Care Fund pooled budget",
            "kind": "section_75_pooled_fund",
            "starts_on": "2025-04-01",
            "ends_on": "2026-03-31",
            "parties": [{"organisation_code": "E08000009", "role": "host"}, {"organisation_id": orgs["sub"].pk, "role": "member"}],
        },
    )
    assert response.status_code == 201, response.content
    a = response.json()
    assert a["status"] == "draft" and len(a["parties"]) == 2 and a["board"] is None
    path = f"/{a['id']}"
    assert api("post", f"{path}/parties", {"organisation_code": "QOP", "role": "lead_commissioner"}).status_code == 201
    assert [p["organisation"]["code"] for p in api("get", f"{path}/parties").json()] == ["E08000009", "QOP", "02A"]
    assert api("post", f"{path}/board", {"name": "Joint board", "quorum": 2}).status_code == 201
    m1 = api(
        "post", f"{path}/board/members",
        {"person_name": "Cllr Ada", "organisation_code": "E08000009", "basis": "elected_councillor", "username": "comm"},
    )
    m2 = api("post", f"{path}/board/members", {"person_name": "Dr Ben", "organisation_id": orgs["sub"].pk, "basis": "appointed_by_nhs"})
    m3 = api(
        "post", f"{path}/board/members",
        {"person_name": "Cy", "organisation_id": orgs["charity"].pk, "basis": "co_opted", "voting": False},
    )
    assert [m.status_code for m in (m1, m2, m3)] == [201, 201, 201]
    assert m3.json()["voting"] is False and m3.json()["basis_label"] == "Co-opted"
    meeting = api("post", f"{path}/meetings", {"held_on": "2025-06-12", "attendee_ids": [m1.json()["id"], m2.json()["id"]]})
    assert meeting.status_code == 201 and len(meeting.json()["attendee_ids"]) == 2
    decision = api("post", f"{path}/decisions", {"meeting_id": meeting.json()["id"], "summary": "Approved the plan", "votes_for": 2})
    assert decision.status_code == 201 and decision.json()["reference"] == "D2025-001"
    assert decision.json()["recorded_by"] == "comm"
    assert api("post", f"{path}/status", {"status": "active"}).json()["status"] == "active"
    detail = api("get", path).json()
    assert len(detail["board"]["members"]) == 3 and len(detail["meetings"]) == 1 and len(detail["decisions"]) == 1
    assert api("patch", path, {"scope": "Reablement"}).json()["scope"] == "Reablement"
    listing = api("get", "", status="active").json()
    assert listing["count"] == 1 and listing["items"][0]["host"]["code"] == "E08000009"
    assert listing["items"][0]["party_count"] == 3
    assert len(api("get", f"{path}/board/members").json()) == 3
    assert len(api("get", f"{path}/decisions").json()) == 1


@pytest.mark.parametrize(
    "payload,status,field",
    [
        ({"name": "X", "kind": "merger", "starts_on": "2025-04-01"}, 422, "kind"),
        ({"name": "X", "kind": "duty_to_cooperate", "starts_on": "April"}, 422, "starts_on"),
        ({"kind": "duty_to_cooperate", "starts_on": "2025-04-01"}, 422, "name"),
        ({"name": "X", "kind": "section_75_pooled_fund", "starts_on": "2025-04-01"}, 400, "parties"),
        (
            {"name": "X", "kind": "duty_to_cooperate", "starts_on": "2025-04-01", "parties": [{"organisation_code": "NOPE", "role": "member"}]},
            404,
            "parties.0.organisation_code",
        ),
        (
            {"name": "X", "kind": "duty_to_cooperate", "starts_on": "2025-04-01", "parties": [{"organisation_code": "QOP", "role": "boss"}]},
            422,
            "parties.0.role",
        ),
        ({"name": "X", "kind": "duty_to_cooperate", "starts_on": "2025-04-01", "ends_on": "2020-01-01"}, 400, "ends_on"),
    ],
)
def test_bad_agreements_are_refused_naming_the_field(api, orgs, payload, status, field):
    response = api("post", "", payload)
    assert response.status_code == status, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Agreement.objects.exists()


def test_malformed_json_and_unknowns(api, pooled):
    assert 400 <= api("post", "", '{"name": ').status_code < 500
    assert 400 <= api("post", f"/{pooled.pk}/parties", "[]").status_code < 500
    assert api("get", "/9999").status_code == 404
    response = api("get", f"/{pooled.pk}/board")
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "board"
    response = api("post", f"/{pooled.pk}/status", {"status": "paused"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"
    api("post", f"/{pooled.pk}/status", {"status": "ended"})
    response = api("post", f"/{pooled.pk}/status", {"status": "active"})
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "status"
    response = api("patch", f"/{pooled.pk}", {"name": None})
    assert response.status_code in (400, 409)


def test_members_must_come_from_parties_unless_co_opted(api, pooled, orgs):
    api("post", f"/{pooled.pk}/board", {"name": "Board"})
    response = api(
        "post", f"/{pooled.pk}/board/members",
        {"person_name": "Di", "organisation_id": orgs["charity"].pk, "basis": "appointed_by_council"},
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "basis"
    response = api(
        "post", f"/{pooled.pk}/board/members", {"person_name": "Di", "organisation_id": orgs["icb"].pk, "basis": "appointed_nationally"}
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "organisation"
    response = api("post", f"/{pooled.pk}/board/members", {"person_name": "Di", "basis": "co_opted"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "organisation_id"
    seat = {"person_name": "Jo", "organisation_id": orgs["council"].pk, "basis": "appointed_by_council", "username": "comm"}
    assert api("post", f"/{pooled.pk}/board/members", seat).status_code == 201
    response = api("post", f"/{pooled.pk}/decisions", {"meeting_id": 12345, "summary": "x"})
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "meeting_id"


def test_capabilities(client, user_factory, pooled):
    analyst = _client(client, user_factory, "ana", ["analyst"])
    assert analyst("get", f"/{pooled.pk}").status_code == 200
    assert analyst("post", "", {"name": "X", "kind": "duty_to_cooperate", "starts_on": "2025-04-01"}).status_code == 403
    assert analyst("post", f"/{pooled.pk}/status", {"status": "active"}).status_code == 403
    council = pooled.parties.get(role="host").organisation
    member = _client(client, user_factory, "bm", ["board_member"], council)
    assert member("post", f"/{pooled.pk}/board", {"name": "B"}).status_code == 403
    commissioner = _client(client, user_factory, "comm", ["commissioner"], council)
    commissioner("post", f"/{pooled.pk}/board", {"name": "B"})
    assert member("post", f"/{pooled.pk}/meetings", {"held_on": "2025-06-01"}).status_code == 403  # no seat yet
    seat = {"person_name": "Cllr B", "organisation_id": council.pk, "basis": "elected_councillor", "username": "bm"}
    assert commissioner("post", f"/{pooled.pk}/board/members", seat).status_code == 201
    assert member("post", f"/{pooled.pk}/meetings", {"held_on": "2025-06-01"}).status_code == 201
    assert client.get("/api/v1/partnerships").status_code == 401
