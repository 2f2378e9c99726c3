import json

import pytest

from jointcare.accounts.services import create_token
from jointcare.organisations.models import Organisation
from jointcare.organisations.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, user_factory):
    """A client sending a bearer token for a commissioner (who may edit organisations)."""
    user = user_factory("comm", roles=["commissioner"])
    _, token = create_token(None, user)

    class Api:
        def get(self, path, **params):
            return client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")

        def send(self, method, path, body):
            data = body if isinstance(body, str) else json.dumps(body)
            return getattr(client, method)(
                f"/api/v1{path}", data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )

    return Api()


@pytest.fixture
def analyst_api(client, user_factory):
    user = user_factory("ana", roles=["analyst"])
    _, token = create_token(None, user)
    def call(method, path, body=None):
        if method == "get":
            return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")
        return getattr(client, method)(
            f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return call


def test_list_search_filter_and_page(api):
    icb = factories.icb()
    sub = factories.sub_icb(icb)
    for _ in range(3):
        factories.practice(sub)
    body = api.get("/organisations", kind="gp_practice", limit=2, offset=1).json()
    assert body["count"] == 3 and len(body["items"]) == 2 and body["offset"] == 1
    assert body["items"][0]["parent"]["code"] == "02A"
    body = api.get("/organisations", q="qop").json()
    assert [o["ods_code"] for o in body["items"]] == ["QOP"]


def test_bad_filters_are_422_naming_the_field(api):
    response = api.get("/organisations", kind="castle")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
    response = api.get("/organisations", limit=0)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "limit"


def test_detail_and_by_code(api):
    council = factories.council()
    assert api.get(f"/organisations/{council.pk}").json()["gss_code"] == "E08000009"
    assert api.get("/organisations/by-code/e08000009").json()["id"] == council.pk
    response = api.get("/organisations/by-code/X99")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No organisation with code X99",
        "errors": [{"field": "code", "message": "No organisation with code X99"}],
    }
    assert api.get("/organisations/99999").status_code == 404
    assert api.get("/organisations/abc").status_code == 422


def test_create_and_patch(api):
    icb = factories.icb()
    response = api.send("post", "/organisations", {"name": "NHS Trafford", "kind": "sub_icb", "ods_code": "02a", "parent_code": "QOP"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ods_code"] == "02A" and body["sector"] == "nhs" and body["parent"]["id"] == icb.pk
    response = api.send("patch", f"/organisations/{body['id']}", {"gss_code": "E38000187", "postcode": "m33 7fx"})
    assert response.status_code == 200
    assert response.json()["gss_code"] == "E38000187" and response.json()["name"] == "NHS Trafford"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": "A surgery", "kind": "gp_practice", "ods_code": "ABC"}, "ods_code"),
        ({"name": "A council", "kind": "upper_tier_council", "gss_code": "E07000001"}, "gss_code"),
        ({"name": "A council", "kind": "upper_tier_council", "gss_code": "nonsense"}, "gss_code"),
        ({"name": "A council", "kind": "upper_tier_council", "sector": "nhs"}, "sector"),
        ({"name": "A council", "kind": "town_hall"}, "kind"),
        ({"kind": "icb"}, "name"),
        ({"name": "X", "kind": "icb", "opened_on": "31/12/2020"}, "opened_on"),
        ({"name": "X", "kind": "icb", "parent_id": "one"}, "parent_id"),
        ({"name": "X", "kind": "provider", "sector": "voluntary", "parent_code": "NOPE"}, "parent_code"),
    ],
)
def test_bad_input_is_4xx_naming_the_field(api, payload, field):
    response = api.send("post", "/organisations", payload)
    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], body
    assert body["detail"]
    assert not Organisation.objects.exists()


def test_duplicate_code_is_refused(api):
    factories.council()
    response = api.send("post", "/organisations", {"name": "Again", "kind": "upper_tier_council", "gss_code": "E08000009"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "gss_code"


def test_malformed_json_is_4xx_not_500(api):
    response = api.send("post", "/organisations", '{"name": "X", "kind":')
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    response = api.send("post", "/organisations", "[1, 2]")
    assert 400 <= response.status_code < 500
    response = api.send("patch", "/organisations/1", "null")
    assert 400 <= response.status_code < 500


def test_patch_unknown_and_bad_values(api):
    org = factories.provider()  # a local organisation: reference ones are read-only
    response = api.send("patch", f"/organisations/{org.pk}", {"gss_code": "E5400000"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "gss_code"
    assert api.send("patch", "/organisations/999999", {"name": "X"}).status_code == 404


def test_capabilities_are_checked(analyst_api, client):
    factories.council()
    assert analyst_api("get", "/organisations/by-code/E08000009").status_code == 200
    response = analyst_api("post", "/organisations", {"name": "X", "kind": "icb"})
    assert response.status_code == 403
    assert client.get("/api/v1/organisations").status_code == 401
