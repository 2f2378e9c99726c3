"""The scoping matrix, generated from the policy table: every role x relationship x route, pages and API.

Every page route and every API operation is mapped here to the action it needs and the target it acts on;
a route missing from the map fails. For each mapped route, every user of the test world (a user of each role
in each relationship to the partnership, see conftest) makes the request. Where `domain.allowed` says yes
the answer is not 403; where it says no the answer is 403 and nothing in the database changed.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLResolver, get_resolver, reverse

from jointcare.accounts.domain import ACTIONS, Relationship, Role, allowed, possible
from jointcare.accounts.tests.conftest import EXPECTED_TIES, TIES, agreement_yaml

# Who may do what, where, is decided in Python over the same queries on either database: one pass is enough.
pytestmark = [pytest.mark.django_db, pytest.mark.one_database]

PUBLIC = "public"  # no sign-in needed or no permission beyond it
SOMEWHERE = "somewhere"  # no target: the user's roles must allow the action somewhere; the view scopes the rest
ORGANISATION = "organisation"  # run once for each kind of organisation: local, unclaimed, reference
ANY_ONLY_ACTIONS = {a for a in ACTIONS if not any(possible({r}, a) and not allowed({r}, {Relationship.ANY}, a) for r in Role)}

# Pages: route name -> (method tested, action, target). GET for reads; POST for every route that writes.
PAGES = {
    "home": (PUBLIC,),
    "sign-in": (PUBLIC,),
    "sign-out": (PUBLIC,),
    "data-sources": (PUBLIC,),
    "organisations:list": ("GET", "organisations.view", SOMEWHERE),
    "organisations:create": ("POST", "organisations.create", SOMEWHERE),
    "organisations:find": ("GET", "organisations.view", SOMEWHERE),
    "organisations:by-code": ("GET", "organisations.view", SOMEWHERE),
    "organisations:detail": ("GET", "organisations.view", ORGANISATION),
    "organisations:edit": ("POST", "organisations.edit", ORGANISATION),
    "places:coterminosity": ("GET", "reference.view", SOMEWHERE),
    "places:council-boundaries": ("GET", "reference.view", SOMEWHERE),
    "places:export": ("GET", "reference.view", SOMEWHERE),
    "partnerships:list": ("GET", "partnerships.view", SOMEWHERE),
    "partnerships:create": ("POST", "partnerships.create", SOMEWHERE),
    "partnerships:detail": ("GET", "partnerships.view", "agreement"),
    "partnerships:edit": ("POST", "partnerships.edit", "agreement"),
    "partnerships:start": ("POST", "partnerships.edit", "agreement"),
    "partnerships:end": ("POST", "partnerships.edit", "agreement"),
    "partnerships:terminate": ("POST", "partnerships.edit", "agreement"),
    "partnerships:attendance": ("POST", "partnerships.decide", "agreement"),
    "partnerships:party-add": ("POST", "partnerships.edit", "agreement"),
    "partnerships:board-create": ("POST", "partnerships.edit", "agreement"),
    "partnerships:member-add": ("POST", "partnerships.edit", "agreement"),
    "partnerships:meeting-record": ("POST", "partnerships.decide", "agreement"),
    "partnerships:decision-record": ("POST", "partnerships.decide", "agreement"),
    "pool:list": ("GET", "pool.view", SOMEWHERE),
    # creating a pool acts on the agreement its document names (checked once the document is read)
    "pool:create": ("POST", "pool.create", "agreement"),
    "pool:detail": ("GET", "pool.view", "pool"),
    "pool:agreement": ("GET", "pool.view", "pool"),
    "pool:monitoring": ("GET", "pool.view", "pool"),
    "pool:report": ("GET", "pool.view", "pool"),
    "pool:import": ("POST", "pool.post", "pool"),
    "pool:close-period": ("POST", "pool.close", "pool"),
    "pool:settle": ("POST", "pool.settle", "pool"),
    "pool:reopen": ("POST", "pool.reopen", "pool"),
    "pool:ledger": ("GET", "pool.view", "pool"),
    "pool:transaction": ("GET", "pool.view", "pool"),
    "pool:contributions": ("GET", "pool.view", "pool"),
    "pool:setup-start": ("GET", "pool.create", SOMEWHERE),
    "pool:agreement-template": ("GET", "pool.create", SOMEWHERE),
    "pool:setup-check": ("GET", "pool.create", SOMEWHERE),
    "pool:setup-download": ("GET", "pool.create", SOMEWHERE),
    "pool:setup": ("GET", "pool.create", SOMEWHERE),
    "audit:list": ("GET", "audit.view", SOMEWHERE),
    "audit:export": ("GET", "audit.view", SOMEWHERE),
    "outcomes:measures": ("GET", "outcomes.view", SOMEWHERE),
    "outcomes:measure": ("GET", "outcomes.view", SOMEWHERE),
    "outcomes:dashboard": ("GET", "outcomes.view", SOMEWHERE),
    "outcomes:board-pack": ("GET", "outcomes.view", SOMEWHERE),
    "outcomes:board-pack-pdf": ("GET", "outcomes.view", SOMEWHERE),
    "outcomes:export": ("GET", "outcomes.view", SOMEWHERE),
    "outcomes:target": ("POST", "outcomes.target", SOMEWHERE),
    # care plans and reablement: through the person (the care team), or the plan (also its funders)
    "packages:plan": ("GET", "packages.view", "plan_person"),
    "packages:goals": ("POST", "packages.edit", "plan_person"),
    "packages:service-add": ("POST", "packages.edit", "plan_person"),
    "packages:service-change": ("POST", "packages.edit", "plan"),
    "packages:service-end": ("POST", "packages.edit", "plan"),
    "packages:approval": ("POST", "packages.approve", "plan"),
    "packages:history": ("GET", "packages.view", "plan"),
    "packages:reablement": ("GET", "packages.view", "plan_person"),
    "packages:reablement-start": ("POST", "packages.edit", "plan_person"),
    "packages:reablement-extend": ("POST", "packages.edit", "plan_person"),
    "packages:reablement-end": ("POST", "packages.edit", "plan_person"),
    "packages:follow-up": ("POST", "packages.edit", "plan_person"),
    "packages:import": ("POST", "packages.import", SOMEWHERE),
    "people:search": ("GET", "person.search", SOMEWHERE),
    "people:create": ("POST", "person.create", SOMEWHERE),
    "people:import": ("POST", "person.create", SOMEWHERE),
    "people:detail": ("GET", "person.view", "person"),
    "people:edit": ("POST", "person.edit", "person"),
    "people:care-team": ("POST", "person.edit", "person"),
    # break-glass is for a record the user has no relationship to; the record's id is in the URL
    "people:break-glass": ("POST", "person.break_glass", SOMEWHERE),
    "people:access": ("GET", "person.access_log", SOMEWHERE),
    "people:void": ("POST", "person.void", SOMEWHERE),
    "people:merge": ("POST", "person.merge", SOMEWHERE),
    "care:my-caseload": ("GET", "care.view", SOMEWHERE),
    "care:teams": ("GET", "care.view", SOMEWHERE),
    "care:queue": ("GET", "care.view", "team"),
    "care:team-caseload": ("GET", "care.view", "team"),
    "care:practice-caseload": ("GET", "care.view", SOMEWHERE),
    "care:refer": ("POST", "care.refer", SOMEWHERE),
    "care:assessment-start": ("POST", "care.assess", "referred"),
    "care:task-new": ("POST", "care.coordinate", "referred"),
    "care:review-new": ("POST", "care.coordinate", "referred"),
    "care:referral": ("GET", "care.view", "referral"),
    "care:claim": ("POST", "care.claim", "referral"),
    "care:contact": ("POST", "care.claim", "referral"),
    "care:close": ("POST", "care.claim", "referral"),
    "care:decline": ("POST", "care.claim", "referral"),
    "care:reassign": ("POST", "care.claim", "referral"),
    "care:assessment": ("GET", "care.view", "assessment"),
    "care:assessment-section": ("POST", "care.assess", "assessment"),
    "care:assessment-complete": ("POST", "care.assess", "assessment"),
    "care:task-done": ("POST", "care.coordinate", "task"),
    "care:review-complete": ("POST", "care.coordinate", "review"),
    "cld:submissions": ("GET", "cld.view", SOMEWHERE),
    "cld:submission": ("GET", "cld.view", SOMEWHERE),
    "cld:report": ("GET", "cld.view", SOMEWHERE),
    "cld:upload": ("POST", "cld.import", SOMEWHERE),
}
# Integrated care's kinds of target (jointcare.care.access) and the scope each is found by. "referred" is the person
# whose referral the host council's team holds (see conftest.care_targets).
CARE_KINDS = {k: k for k in ("team", "referral", "assessment", "task", "review")} | {"referred": "person"}

# API: (method, path as in the OpenAPI document) -> (action, target).
API = {
    ("get", "/api/v1/me"): (PUBLIC,),
    ("get", "/api/v1/tokens"): ("tokens.manage", SOMEWHERE),
    ("post", "/api/v1/tokens/{token_id}/revoke"): ("tokens.manage", SOMEWHERE),
    ("get", "/api/v1/coterminosity"): ("reference.view", SOMEWHERE),
    ("get", "/api/v1/coterminosity/councils"): ("reference.view", SOMEWHERE),
    ("get", "/api/v1/organisations"): ("organisations.view", SOMEWHERE),
    ("post", "/api/v1/organisations"): ("organisations.create", SOMEWHERE),
    ("get", "/api/v1/organisations/by-code/{code}"): ("organisations.view", SOMEWHERE),
    ("get", "/api/v1/organisations/{org_id}"): ("organisations.view", ORGANISATION),
    ("patch", "/api/v1/organisations/{org_id}"): ("organisations.edit", ORGANISATION),
    ("get", "/api/v1/partnerships"): ("partnerships.view", SOMEWHERE),
    ("post", "/api/v1/partnerships"): ("partnerships.create", SOMEWHERE),
    ("get", "/api/v1/partnerships/{agreement_id}"): ("partnerships.view", "agreement"),
    ("patch", "/api/v1/partnerships/{agreement_id}"): ("partnerships.edit", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/start"): ("partnerships.edit", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/end"): ("partnerships.edit", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/terminate"): ("partnerships.edit", "agreement"),
    ("put", "/api/v1/partnerships/{agreement_id}/meetings/{meeting_id}/attendees"): ("partnerships.decide", "agreement"),
    ("get", "/api/v1/partnerships/{agreement_id}/parties"): ("partnerships.view", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/parties"): ("partnerships.edit", "agreement"),
    ("get", "/api/v1/partnerships/{agreement_id}/board"): ("partnerships.view", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/board"): ("partnerships.edit", "agreement"),
    ("get", "/api/v1/partnerships/{agreement_id}/board/members"): ("partnerships.view", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/board/members"): ("partnerships.edit", "agreement"),
    ("get", "/api/v1/partnerships/{agreement_id}/meetings"): ("partnerships.view", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/meetings"): ("partnerships.decide", "agreement"),
    ("get", "/api/v1/partnerships/{agreement_id}/decisions"): ("partnerships.view", "agreement"),
    ("post", "/api/v1/partnerships/{agreement_id}/decisions"): ("partnerships.decide", "agreement"),
    ("get", "/api/v1/pools"): ("pool.view", SOMEWHERE),
    ("post", "/api/v1/pools"): ("pool.create", "agreement"),
    ("get", "/api/v1/pools/{pool_id}"): ("pool.view", "pool"),
    ("get", "/api/v1/pools/{pool_id}/agreement"): ("pool.view", "pool"),
    ("get", "/api/v1/pools/{pool_id}/accounts"): ("pool.view", "pool"),
    ("get", "/api/v1/pools/{pool_id}/monitoring"): ("pool.view", "pool"),
    ("post", "/api/v1/pools/{pool_id}/transactions"): ("pool.post", "pool"),
    ("post", "/api/v1/pools/{pool_id}/transactions/{tx_id}/reverse"): ("pool.post", "pool"),
    ("post", "/api/v1/pools/{pool_id}/periods/{number}/close"): ("pool.close", "pool"),
    ("post", "/api/v1/pools/{pool_id}/commitments"): ("pool.commit", "pool"),
    ("post", "/api/v1/pools/{pool_id}/actuals"): ("pool.post", "pool"),
    ("post", "/api/v1/pools/{pool_id}/settle"): ("pool.settle", "pool"),
    ("post", "/api/v1/pools/{pool_id}/reopen"): ("pool.reopen", "pool"),
    ("get", "/api/v1/pools/{pool_id}/reports/{kind}"): ("pool.view", "pool"),
    ("get", "/api/v1/pools/{pool_id}/ledger-check"): ("pool.view", "pool"),
    ("get", "/api/v1/audit/"): ("audit.view", SOMEWHERE),
    ("get", "/api/v1/measures"): ("outcomes.view", SOMEWHERE),
    ("get", "/api/v1/people/{person_id}/care-plan"): ("packages.view", "plan"),
    ("put", "/api/v1/people/{person_id}/care-plan/goals"): ("packages.edit", "plan_person"),
    ("post", "/api/v1/people/{person_id}/care-plan/services"): ("packages.edit", "plan_person"),
    ("get", "/api/v1/people/{person_id}/care-plan/versions"): ("packages.view", "plan"),
    ("post", "/api/v1/people/{person_id}/care-plan/approve"): ("packages.approve", "plan"),
    ("post", "/api/v1/people/{person_id}/care-plan/return"): ("packages.approve", "plan"),
    ("put", "/api/v1/care-plan-services/{service_id}"): ("packages.edit", "plan_person"),
    ("post", "/api/v1/care-plan-services/{service_id}/end"): ("packages.edit", "plan_person"),
    ("post", "/api/v1/care-plan-services/{service_id}/withdraw"): ("packages.edit", "plan_person"),
    ("post", "/api/v1/care-plan-imports"): ("packages.import", SOMEWHERE),
    ("get", "/api/v1/people/{person_id}/reablement"): ("packages.view", "plan_person"),
    ("post", "/api/v1/people/{person_id}/reablement"): ("packages.edit", "plan_person"),
    ("post", "/api/v1/reablement/{episode_id}/extend"): ("packages.edit", "plan_person"),
    ("post", "/api/v1/reablement/{episode_id}/end"): ("packages.edit", "plan_person"),
    ("post", "/api/v1/reablement/follow-ups/{follow_up_id}"): ("packages.edit", "plan_person"),
    ("get", "/api/v1/people"): ("person.search", SOMEWHERE),
    ("post", "/api/v1/people"): ("person.create", SOMEWHERE),
    ("get", "/api/v1/people/{person_id}"): ("person.view", "person"),
    ("patch", "/api/v1/people/{person_id}"): ("person.edit", "person"),
    ("post", "/api/v1/people/{person_id}/break-glass"): ("person.break_glass", SOMEWHERE),
    ("get", "/api/v1/people/{person_id}/access-log"): ("person.access_log", SOMEWHERE),
    ("post", "/api/v1/people/{person_id}/care-team"): ("person.edit", "person"),
    ("post", "/api/v1/people/{person_id}/void"): ("person.void", SOMEWHERE),
    ("post", "/api/v1/people/{person_id}/merge"): ("person.merge", SOMEWHERE),
    ("get", "/api/v1/teams"): ("care.view", SOMEWHERE),
    ("post", "/api/v1/teams"): ("care.manage_teams", SOMEWHERE),
    ("post", "/api/v1/teams/{team_id}/members"): ("care.manage_teams", SOMEWHERE),
    ("post", "/api/v1/routing-rules"): ("care.manage_teams", SOMEWHERE),
    ("get", "/api/v1/referrals"): ("care.view", SOMEWHERE),
    ("post", "/api/v1/referrals"): ("care.refer", SOMEWHERE),
    ("get", "/api/v1/referrals/{referral_id}"): ("care.view", "referral"),
    ("post", "/api/v1/referrals/{referral_id}/claim"): ("care.claim", "referral"),
    ("post", "/api/v1/referrals/{referral_id}/contact"): ("care.claim", "referral"),
    ("post", "/api/v1/referrals/{referral_id}/close"): ("care.claim", "referral"),
    ("post", "/api/v1/referrals/{referral_id}/decline"): ("care.claim", "referral"),
    ("post", "/api/v1/referrals/{referral_id}/reassign"): ("care.claim", "referral"),
    # starting an assessment, a task or a review acts on the person the body names
    ("post", "/api/v1/assessments"): ("care.assess", "referred"),
    ("get", "/api/v1/assessments/{assessment_id}"): ("care.view", "assessment"),
    ("put", "/api/v1/assessments/{assessment_id}/needs"): ("care.assess", "assessment"),
    ("put", "/api/v1/assessments/{assessment_id}/eligibility"): ("care.assess", "assessment"),
    ("put", "/api/v1/assessments/{assessment_id}/carer"): ("care.assess", "assessment"),
    ("put", "/api/v1/assessments/{assessment_id}/checklist"): ("care.assess", "assessment"),
    ("post", "/api/v1/assessments/{assessment_id}/complete"): ("care.assess", "assessment"),
    ("post", "/api/v1/tasks"): ("care.coordinate", "referred"),
    ("post", "/api/v1/tasks/{task_id}/done"): ("care.coordinate", "task"),
    ("post", "/api/v1/reviews"): ("care.coordinate", "referred"),
    ("post", "/api/v1/reviews/{review_id}/complete"): ("care.coordinate", "review"),
    ("get", "/api/v1/cld/submissions"): ("cld.view", SOMEWHERE),
    ("post", "/api/v1/cld/submissions"): ("cld.import", SOMEWHERE),
    ("get", "/api/v1/cld/submissions/{submission_id}"): ("cld.view", SOMEWHERE),
    ("get", "/api/v1/cld/populations"): ("cld.view", SOMEWHERE),
    ("post", "/api/v1/cld/hospital-activity"): ("cld.import", SOMEWHERE),
}

# Routes on one person that any user allowed the action may use (the id is in the URL, no relationship needed).
PERSON_IN_URL = {"people:break-glass", "people:access", "people:void", "people:merge"}

# Care routes: the scope each declares (its URL names a service, an episode, a follow-up, a plan or a person) and
# the URL keyword and record of the care world (accounts.tests.conftest.care_world) it is requested with.
CARE_ROUTES = {
    "packages:plan": ("person", "person_id", "person"),
    "packages:goals": ("person", "person_id", "person"),
    "packages:service-add": ("person", "person_id", "person"),
    "packages:service-change": ("plan_service", "service_id", "service"),
    "packages:service-end": ("plan_service", "service_id", "service"),
    "packages:approval": ("care_plan", "plan_id", "plan"),
    "packages:history": ("care_plan", "plan_id", "plan"),
    "packages:reablement": ("person", "person_id", "person"),
    "packages:reablement-start": ("person", "person_id", "person"),
    "packages:reablement-extend": ("reablement", "episode_id", "episode"),
    "packages:reablement-end": ("reablement", "episode_id", "episode"),
    "packages:follow-up": ("follow_up", "follow_up_id", "follow_up"),
}


# Routes that create a pool from an agreement document: their target is the agreement the document names,
# so the test posts a document (a new financial year each time) rather than putting an id in the URL.
FROM_DOCUMENT = {"pool:create"}


def _page_routes(patterns=None, namespace=None):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern) != "api/v1/":
                yield from _page_routes(p.url_patterns, p.namespace or namespace)
        else:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p.callback


def _api_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return {(method, path) for path, ops in paths.items() for method in ops}


# --- the map covers every route ------------------------------------------------------------------------


def test_every_page_route_is_mapped_and_declares_its_action_and_scope():
    routes = dict(_page_routes())
    assert set(routes) == set(PAGES), "map every page route to its action (or PUBLIC) in PAGES"
    for name, view in routes.items():
        entry = PAGES[name]
        if entry[0] == PUBLIC:
            assert not hasattr(view, "action"), name
            continue
        _, action, target = entry
        assert getattr(view, "action", None) == action, f"{name}: @requires({action!r}, ...) expected"
        scope = {"agreement": "agreement", "pool": "pool", ORGANISATION: "organisation", "person": "person"}.get(target)
        scope = CARE_KINDS.get(target, scope)
        if name in CARE_ROUTES:
            scope = CARE_ROUTES[name][0]
        if name in FROM_DOCUMENT:
            scope = None  # the agreement is in the document; the view checks it once read
        assert getattr(view, "scope", None) == scope, f"{name}: scope={scope!r} expected"


def test_every_api_operation_is_mapped(client):
    assert _api_operations(client) == set(API), "map every API operation to its action (or PUBLIC) in API"


def test_every_action_of_the_table_is_used_or_reserved():
    used = {entry[1] for entry in PAGES.values() if entry[0] != PUBLIC} | {e[0] for e in API.values() if e[0] != PUBLIC}
    # API, CLI, next; a part of a page (the people behind a measure, shown on its page to analysts)
    reserved = {"pool.edit", "pool.commit", "users.manage", "reference.manage", "outcomes.detail"}
    assert ACTIONS - used <= reserved, ACTIONS - used - reserved


# --- the matrix ----------------------------------------------------------------------------------------


def _cases(entries):
    for key, entry in entries.items():
        if entry[0] == PUBLIC:
            continue
        action, target = entry[-2], entry[-1]
        kinds = ("org:local", "org:unclaimed", "org:reference") if target == ORGANISATION else (target,)
        if action in ANY_ONLY_ACTIONS:
            kinds = kinds[:1]  # open to every relationship: one kind of target says all
        for kind in kinds:
            yield pytest.param(key, kind, id=f"{key if isinstance(key, str) else ' '.join(key)}[{kind}]")


def _expected(role: Role, tie: str, action: str, kind: str) -> bool:
    if kind == SOMEWHERE:
        return possible({role}, action)
    return allowed({role}, {Relationship.ANY} | EXPECTED_TIES[kind][tie], action)


def _ties_for(action: str):
    """Every tie, unless the action is open to any relationship (then one user per role says all)."""
    return ("outsider",) if action in ANY_ONLY_ACTIONS else TIES


def _fingerprint() -> tuple:
    """Row counts of every jointcare table, audit trail included (every write is audited), in one query. A refused
    attempt on a person's record is itself audited (person.refused): the only row a refusal may add."""
    tables = [
        m._meta.db_table for m in apps.get_models()
        if m.__module__.startswith("jointcare.") and m._meta.label != "accounts.SignInCounter"
    ]
    audit = apps.get_model("audit.AuditEntry")._meta.db_table

    def count(table):
        where = " WHERE action <> 'person.refused'" if table == audit else ""
        return f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)}{where})"

    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(count(t) for t in tables))
        return tuple(cursor.fetchone())


def _run(world, action, kind, request):
    """Make the request as every user of the world; check each answer against the table."""
    from jointcare.pool.models import Pool

    seen = {"allowed": 0, "refused": 0}
    before = _fingerprint()
    for role in Role:
        for tie in _ties_for(action):
            user = world.user(role, tie)
            Pool.objects.filter(pk=world.pool.pk).update(manager=user if tie == "named" else None)  # no count change
            response = request(user, f"{role.value}-{tie}")
            expected = _expected(role, tie, action, kind)
            where = f"{role.value} ({tie}): {response.status_code}"
            assert response.status_code < 500, where
            after = _fingerprint()
            if expected:
                seen["allowed"] += 1
                assert response.status_code != 403, f"{where}, should be allowed: {response.content[:300]!r}"
            else:
                seen["refused"] += 1
                assert response.status_code == 403, f"{where}, should be 403"
                assert after == before, f"{where}: refused, yet something was written"
            before = after
    return seen


def _target_id(world, kind):
    return world.target(kind).pk


@pytest.mark.parametrize("name,kind", list(_cases(PAGES)))
def test_pages(client, world, name, kind):
    method, action, _ = PAGES[name]
    kwargs = {}
    if name in CARE_ROUTES:
        _, keyword, record = CARE_ROUTES[name]
        kwargs[keyword] = world.care()[record].pk
    elif kind != SOMEWHERE and name not in FROM_DOCUMENT:
        kwargs["person_id" if kind == "referred" else "pk"] = _target_id(world, kind)
    extra = {
        "organisations:by-code": {"code": world.orgs["council"].code},
        "pool:report": {"kind": "monitoring"},
        "pool:close-period": {"number": 1},
        "pool:transaction": {"tx_id": 999_999},
        "pool:setup": {"step": "agreement"},
        "places:export": {"fmt": "csv"},
        "outcomes:export": {"fmt": "csv"},
        "outcomes:measure": {"code": "2A"},
        "partnerships:attendance": {"meeting_pk": 999_999},
        "care:practice-caseload": {"practice_pk": 999_999},
        "care:refer": {"person_id": world.targets["referred"].pk},
        "care:assessment-section": {"section": "needs"},
        "cld:submission": {"pk": 999_999},
        "cld:report": {"pk": 999_999},
    }
    kwargs.update(extra.get(name, {}))
    if name in PERSON_IN_URL:
        kwargs["pk"] = world.person.pk
    url = reverse(name, kwargs=kwargs or None)
    counter = iter(range(10_000))

    def request(user, username):
        client.force_login(user)
        if method == "GET":
            return client.get(url)
        data = {}
        if name in FROM_DOCUMENT:
            data = {"document": agreement_yaml(2030 + next(counter))}
        elif name == "partnerships:terminate":
            data = {"reason": ""}
        return client.post(url, data)

    seen = _run(world, action, kind, request)
    assert seen["allowed"] + seen["refused"] > 0


def _api_body(world, key, counter):
    method, path = key
    bodies = {
        "/api/v1/organisations": {"name": "Sale Carers", "kind": "provider", "sector": "voluntary"},
        "/api/v1/organisations/{org_id}": {"postcode": ""},
        "/api/v1/partnerships": {"name": "Another", "kind": "duty_to_cooperate", "starts_on": "2025-04-01"},
        "/api/v1/partnerships/{agreement_id}": {"scope": "Reablement"},
        "/api/v1/partnerships/{agreement_id}/terminate": {"reason": "Not going ahead"},
        "/api/v1/partnerships/{agreement_id}/meetings/{meeting_id}/attendees": {"attendee_ids": []},
        "/api/v1/partnerships/{agreement_id}/parties": {"organisation_id": world.orgs["org:unclaimed"].pk, "role": "member"},
        "/api/v1/partnerships/{agreement_id}/board": {"name": "Second board"},
        "/api/v1/partnerships/{agreement_id}/board/members": {
            "person_name": "Pat", "organisation_id": world.orgs["charity"].pk, "basis": "co_opted",
        },
        "/api/v1/partnerships/{agreement_id}/meetings": {"held_on": "2025-06-01"},
        "/api/v1/partnerships/{agreement_id}/decisions": {"meeting_id": 999999, "summary": "Agreed"},
        "/api/v1/pools": lambda: {"document": agreement_yaml(2030 + next(counter))},
        "/api/v1/pools/{pool_id}/transactions": {
            "key": "k1", "value_date": "2026-04-10", "reason": "Spend", "postings": [],
        },
        "/api/v1/pools/{pool_id}/transactions/{tx_id}/reverse": {"reason": "Wrong"},
        "/api/v1/pools/{pool_id}/commitments": {
            "scheme": "NOPE", "month": "2026-04-01", "amount_pence": 100, "source": "test", "reference": "r1",
        },
        "/api/v1/pools/{pool_id}/settle": {"dry_run": True},
        "/api/v1/pools/{pool_id}/reopen": {"reason": "late invoices"},
        "/api/v1/people/{person_id}/care-plan/goals": {"goals": ["Walk to the shop"]},
        "/api/v1/people/{person_id}/care-plan/services": _service_body(world),
        "/api/v1/care-plan-services/{service_id}": _service_body(world),
        "/api/v1/care-plan-services/{service_id}/end": {"ends_on": "2026-05-31"},
        "/api/v1/care-plan-services/{service_id}/withdraw": {"reason": "Entered in error"},
        "/api/v1/people/{person_id}/care-plan/approve": {"version": 999},
        "/api/v1/people/{person_id}/care-plan/return": {"version": 999, "reason": "Ask for a better rate"},
        "/api/v1/people/{person_id}/reablement": {"starts_on": "2026-05-01"},
        "/api/v1/reablement/{episode_id}/extend": {"extended_to": "2026-06-30", "reason": "Needs more time on the stairs"},
        "/api/v1/reablement/{episode_id}/end": {"ends_on": "2026-06-01", "outcome": "NFA: Support ended as planned"},
        "/api/v1/reablement/follow-ups/{follow_up_id}": {"seen_on": "2026-07-20", "whereabouts": "at_home"},
        "/api/v1/people": {"given_name": "Ann", "family_name": "Other", "date_of_birth": "1950-01-01",
                           "responsible_council": "E08000009"},
        "/api/v1/people/{person_id}": {"postcode": "M33 7ZZ"},
        "/api/v1/people/{person_id}/break-glass": {"reason": "Emergency admission, no history"},
        "/api/v1/people/{person_id}/care-team": {"role": "other", "name": "Neighbour"},
        "/api/v1/people/{person_id}/void": {"reason": "Made in error"},
        "/api/v1/people/{person_id}/merge": {"duplicate": 999999, "reason": "Same person"},
        "/api/v1/teams": lambda: {"name": f"Team {next(counter)}", "organisation": world.orgs["council"].pk},
        "/api/v1/teams/{team_id}/members": {"username": "analyst-outsider"},
        "/api/v1/routing-rules": {"team": world.targets["team"].pk, "council": "E09000001"},
        "/api/v1/referrals": {"person": world.targets["referred"].pk, "source": "community"},
        "/api/v1/referrals/{referral_id}/close": {"outcome": "nfa_other"},
        "/api/v1/referrals/{referral_id}/decline": {"outcome": "nfa_other", "reason": "Not this team's work"},
        "/api/v1/referrals/{referral_id}/reassign": {"team": 999999, "reason": "Another team's work"},
        "/api/v1/assessments": {"person": world.targets["referred"].pk},
        "/api/v1/assessments/{assessment_id}/needs": {"health": "Heart failure"},
        "/api/v1/assessments/{assessment_id}/eligibility": {"impairment": True, "wellbeing": True, "outcomes": {}},
        "/api/v1/assessments/{assessment_id}/carer": {"has_carer": False},
        "/api/v1/assessments/{assessment_id}/checklist": {"scores": {}},
        "/api/v1/assessments/{assessment_id}/complete": {"outcome": "nfa_other"},
        "/api/v1/tasks": {"person": world.targets["referred"].pk, "title": "Call", "team": world.targets["team"].pk},
        "/api/v1/reviews": {"person": world.targets["referred"].pk, "due_on": "2026-10-01", "team": world.targets["team"].pk},
        "/api/v1/reviews/{review_id}/complete": {"outcome": "continuation"},
    }
    body = bodies.get(path, {} if method != "get" else None)
    return body() if callable(body) else body


def _service_body(world):
    return {
        "name": "Meals", "provider_id": world.orgs["charity"].pk, "service_type": "Long term support: Community",
        "component": "Meals", "delivery_mechanism": "CASSR Commissioned support", "units_per_week": 7,
        "unit_cost_pence": 500, "starts_on": "2026-04-01", "funding": {"council_basis_points": 10000},
    }


@pytest.mark.parametrize("key,kind", list(_cases(API)))
def test_api(client, world, key, kind):
    from jointcare.accounts import services

    method, path = key
    action = API[key][0]
    spare, _ = services.create_token(None, world.user(Role.ANALYST, "outsider"), "spare")
    tokens = {f"{role.value}-{tie}": services.create_token(None, world.user(role, tie), "t")[1] for role in Role for tie in TIES}
    values = {
        "token_id": spare.pk,
        "code": world.orgs["council"].code,
        "org_id": _target_id(world, kind) if kind.startswith("org:") else None,
        "agreement_id": world.agreement.pk,
        "pool_id": world.pool.pk,
        "tx_id": 999999,
        "meeting_id": 999999,
        "submission_id": 999999,
        "number": 1,
        "kind": "monitoring",
        "person_id": world.person.pk,
        **{f"{kind}_id": world.targets[kind].pk for kind in ("team", "referral", "assessment", "task", "review")},
    }
    if API[key][-1] in ("plan_person", "plan"):
        care = world.care()
        values.update(person_id=care["person"].pk, service_id=care["service"].pk, episode_id=care["episode"].pk,
                      follow_up_id=care["follow_up"].pk)
    url = path.format(**values)
    counter = iter(range(10_000))

    def request(user, username):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens[username]}"}
        if method == "get":
            return client.get(url, **auth)
        if path.endswith(("/actuals", "/care-plan-imports", "/cld/submissions", "/hospital-activity")):
            upload = SimpleUploadedFile("a.csv", b"reference,date,scheme,amount\n", content_type="text/csv")
            return client.post(url, {"file": upload, "dry_run": "true"}, **auth)
        body = json.dumps(_api_body(world, key, counter))
        return getattr(client, method)(url, body, content_type="application/json", **auth)

    seen = _run(world, action, kind, request)
    assert seen["allowed"] + seen["refused"] > 0


def test_the_world_holds_every_kind_of_answer(world):
    """The matrix is not vacuous: the table allows and refuses some of every write for this world."""
    writes = {entry[1]: entry[2] for entry in PAGES.values() if entry[0] == "POST"}
    for action, kind in writes.items():
        kinds = ("org:local",) if kind == ORGANISATION else (kind,)
        for k in kinds:
            answers = {_expected(role, tie, action, k) for role in Role for tie in TIES}
            assert answers == {True, False}, (action, k)
