"""Any string or number in any field of any API operation gets a 2xx or a 4xx, never a 5xx.

For every operation in the OpenAPI document, hypothesis draws every path parameter, query parameter and body
field (inside nested objects and lists too) as either a value the document allows or a string or number of any
kind: empty, very long, NUL and other control characters, lone surrogates, numbers beyond 64 bits, negative,
fractional, NaN and the infinities (which JSON cannot hold, so Python writes them as NaN and Infinity, and the
API must refuse that too). Multipart uploads get any bytes under any file name. Every answer must be below 500,
and every 4xx answer in JSON must be in the API's error shape. Requests go through Django's test client with a
bearer token of a user holding every role the API's writes need; MAX_EXAMPLES examples per operation.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcare.api import api

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1/")
SCHEMAS = DOCUMENT["components"]["schemas"]
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]

nasty_text = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfffy",
        "\x0b",
        "\x1b[31m",
        "\u202etxt.exe",
        "9" * 5000,
        "x" * 70_000,
        "%00",
        "../../etc/passwd",
        "' OR 1=1 --",
        "=HYPERLINK(\"x\")",
        "NaN",
        "-0",
        "1e309",
        "２０２６-０５-０１",
        "2026-02-30",
        "0000-00-00",
        "9999-12-31",
    ]
)
nasty_numbers = st.sampled_from(
    [2**63, 10**30, -(2**63) - 1, 2**64, 10**4000, 2**63 - 1, 2**62, 2**53 + 1, 2**31, 0, -1, 0.5, float("nan"), float("inf")]
)
anything = st.one_of(
    st.text(max_size=50),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _allowed(schema: dict, known: dict, name: str, depth: int = 0):
    """A value the document allows (often one naming something that exists, so the rules behind are reached)."""
    schema = _resolve(schema)
    if "anyOf" in schema:
        return st.one_of([_allowed(s, known, name, depth) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "object" and depth < 4:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: _allowed(v, known, k, depth + 1) for k, v in props.items() if k in required},
            optional={k: _allowed(v, known, k, depth + 1) for k, v in props.items() if k not in required},
        )
    if kind == "array" and depth < 4:
        return st.lists(_allowed(schema.get("items", {}), known, name, depth + 1), max_size=3)
    if name in known:
        return st.sampled_from(known[name])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if kind == "integer":
        return st.integers(min_value=max(schema.get("minimum", -(10**6)), -(10**6)), max_value=min(schema.get("maximum", 10**6), 10**6))
    if kind == "number":
        return st.floats(min_value=schema.get("exclusiveMinimum", 0), max_value=schema.get("maximum", 1), exclude_min=True)
    if kind == "boolean":
        return st.booleans()
    if schema.get("format") == "date":
        return st.sampled_from(["2026-04-01", "2026-05-04", "2026-09-30", "2027-03-31"]) | st.dates().map(str)
    if kind == "string":
        return st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "Zs"]), max_size=30)
    return st.none()


def _hostile(schema: dict):
    """Any string or number, weighted towards the kind the document expects there."""
    kind = _resolve(schema).get("type")
    if kind in ("integer", "number"):
        return st.one_of(nasty_numbers, anything)
    return st.one_of(nasty_text, anything)


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _get(value, path):
    for step in path:
        value = value[step]
    return value


def _replace(value, path, new):
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


def _request(draw, method: str, path: str, operation: dict, known: dict):
    """A request (a function of the test client and headers): every parameter and field drawn as the document
    allows, then one of them (sometimes none, or two; sometimes the whole body) replaced by any string or
    number, so that most requests get past the other fields to the rules behind."""
    parameters = operation.get("parameters", [])
    content = operation.get("requestBody", {}).get("content", {})
    fields = {("path", p["name"]): draw(_allowed(p["schema"], known, p["name"])) for p in parameters if p["in"] == "path"}
    for p in parameters:
        if p["in"] == "query" and draw(st.booleans()):
            fields[("query", p["name"])] = draw(_allowed(p["schema"], known, p["name"]))
    body = None
    if "application/json" in content:
        body = draw(_allowed(content["application/json"]["schema"], known, "body"))
    targets = list(fields) + [("body", *leaf) for leaf in _leaves(body)] if body is not None else list(fields)
    for _ in range(draw(st.sampled_from([1, 0, 2])) if targets else 0):
        target = draw(st.sampled_from(targets))
        if target[0] == "body":
            current = _get(body, target[1:])
            nasty = nasty_numbers if isinstance(current, int | float) and not isinstance(current, bool) else nasty_text
            body = _replace(body, target[1:], draw(st.one_of(nasty, anything)))
        else:
            schema = next(p["schema"] for p in parameters if p["name"] == target[1])
            fields[target] = draw(_hostile(schema))
    if body is not None and draw(st.integers(0, 9)) == 0:
        body = draw(anything)

    def encode(value) -> str:
        return quote(str(value).encode("utf-8", "surrogatepass"), safe="") or "%20"

    for (where, name), value in fields.items():
        if where == "path":
            path = path.replace("{" + name + "}", encode(value))
    query = "&".join(f"{quote(name)}={encode(value)}" for (where, name), value in fields.items() if where == "query")
    url = f"{path}?{query}" if query else path
    if "application/json" in content:
        return lambda client, headers: client.generic(
            method, url, json.dumps(body), content_type="application/json", **headers
        )
    if "multipart/form-data" in content:
        upload = SimpleUploadedFile(
            draw(st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a.png", "noext"])), draw(st.binary(max_size=2000))
        )
        form = {"file": upload}
        if draw(st.booleans()):
            form["dry_run"] = str(draw(anything))
        return lambda client, headers: client.post(url, form, **headers)
    return lambda client, headers: client.generic(method, url, **headers)


def _known(world) -> dict:
    """Values that name what exists in the test's world, by parameter or field name."""
    return {
        "pool_id": [world.pool_id],
        "agreement_id": [world.agreement_id],
        "tx_id": [world.transaction_id],
        "org_id": [world.organisation_id],
        "organisation_id": [world.organisation_id],
        "parent_id": [world.organisation_id],
        "token_id": [world.spare_token_id],
        "account_id": world.account_ids,
        "code": [world.organisation_code],
        "organisation_code": [world.organisation_code],
        "scheme": ["REAB", "EQUIP"],
        "number": list(range(1, 13)),
        "through": list(range(1, 13)),
    }


@pytest.mark.parametrize("method,path,operation", OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_any_input_gets_an_answer_below_500(client, api_world, method, path, operation):
    known = _known(api_world)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def check(data):
        send = _request(data.draw, method, path, operation, known)
        response = send(client, api_world.headers)
        assert response.status_code < 500, response.content[:500]
        if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
            body = response.json()
            assert isinstance(body.get("detail"), str) and isinstance(body.get("errors"), list), body

    check()
