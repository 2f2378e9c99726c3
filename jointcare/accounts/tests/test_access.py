"""The resolver, scoped lists, what pages offer, the audit trail's scope and the commands' actor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jointcare.accounts.access import audit_filter, relationships, scoped, your_agreements
from jointcare.accounts.domain import Relationship, Role
from jointcare.accounts.tests.conftest import EXPECTED_TIES, TIES, agreement_yaml
from jointcare.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

F = Role.FINANCE_OFFICER


def _fresh(user):
    """The user as a new request would load it (relationships are remembered per request)."""
    return type(user).objects.get(pk=user.pk)


def _name_manager(world, user):
    from jointcare.pool.models import Pool

    Pool.objects.filter(pk=world.pool.pk).update(manager=user)
    world.pool.refresh_from_db()


@pytest.mark.parametrize("kind", list(EXPECTED_TIES))
def test_the_resolver_finds_each_relationship(world, kind):
    for tie in TIES:
        user = world.user(Role.ANALYST, tie)
        if kind == "pool":
            _name_manager(world, user if tie == "named" else None)
        target = world.target(kind)
        assert relationships(_fresh(user), target) == {Relationship.ANY} | EXPECTED_TIES[kind][tie], tie


def test_a_board_is_reached_through_its_agreement_and_only_current_seats_count(world):
    seat = world.user(Role.BOARD_MEMBER, "seat")
    assert Relationship.BOARD_SEAT in relationships(_fresh(seat), world.board)
    world.board.members.filter(user=seat).update(ends_on=dt.date.today() - dt.timedelta(days=1))
    assert Relationship.BOARD_SEAT not in relationships(_fresh(seat), world.board)
    world.board.members.filter(user=seat).update(ends_on=None, starts_on=dt.date.today() + dt.timedelta(days=1))
    assert Relationship.BOARD_SEAT not in relationships(_fresh(seat), world.agreement)


def test_rows_inside_a_pool_or_a_board_are_reached_through_it(world):
    from jointcare.partnerships.models import Meeting

    meeting = Meeting.objects.create(board=world.board, held_on=dt.date(2025, 6, 1))
    period = world.pool.periods.get(number=1)
    host = _fresh(world.user(F, "host"))
    assert relationships(host, period) == relationships(host, world.pool) == {Relationship.ANY, Relationship.PARTY, Relationship.HOST}
    seat = _fresh(world.user(Role.BOARD_MEMBER, "seat"))
    assert relationships(seat, meeting) == {Relationship.ANY, Relationship.BOARD_SEAT}
    with pytest.raises(TypeError):
        relationships(host, host)


def test_inactive_users_hold_no_relationship(world):
    user = world.user(F, "host")
    user.is_active = False
    user.save()
    assert relationships(_fresh(user), world.pool) == {Relationship.ANY}


def test_pool_lists_show_only_pools_the_user_may_see(world, client):
    from jointcare.pool.models import Pool

    other = Pool.objects.create(agreement=world.agreement, financial_year=2027, name="Next year", host=world.orgs["council"])
    everything = Pool.objects.all()
    assert set(scoped(world.user(F, "host"), "pool.view", everything)) == {world.pool, other}
    assert set(scoped(world.user(Role.BOARD_MEMBER, "seat"), "pool.view", everything)) == {world.pool, other}
    assert not scoped(world.user(F, "outsider"), "pool.view", everything).exists()
    assert not scoped(world.user(Role.ANALYST, "seat"), "pool.view", everything).exists()  # a seat: board members
    _name_manager(world, world.user(F, "named"))
    assert list(scoped(world.user(F, "named"), "pool.view", everything)) == [world.pool]
    client.force_login(world.user(F, "outsider"))
    body = client.get("/pools/").content.decode()
    assert world.pool.name not in body
    client.force_login(world.user(F, "party"))
    assert client.get("/pools/").content.decode().count(f'href="/pools/{world.pool.pk}/"') == 1
    token = _token(world.user(F, "outsider"))
    assert client.get("/api/v1/pools", HTTP_AUTHORIZATION=f"Bearer {token}").json() == []


def _token(user):
    from jointcare.accounts import services

    return services.create_token(None, user)[1]


def test_the_partnerships_list_marks_the_users_own(world, client):
    from jointcare.partnerships import services

    services.create_agreement(None, name="Elsewhere", kind="duty_to_cooperate", starts_on="2025-04-01")
    assert your_agreements(world.user(Role.COMMISSIONER, "party")) == {world.agreement.pk}
    assert your_agreements(world.user(Role.ANALYST, "seat")) == {world.agreement.pk}
    assert your_agreements(world.user(Role.COMMISSIONER, "outsider")) == set()
    # what a pool set-up form offers: the agreements the user may create a pool for
    from jointcare.partnerships.models import Agreement

    agreements = Agreement.objects.all()
    assert list(scoped(world.user(F, "party"), "pool.create", agreements)) == [world.agreement]
    assert not scoped(world.user(F, "seat"), "pool.create", agreements).exists()
    assert not scoped(world.user(Role.ANALYST, "host"), "pool.create", agreements).exists()
    client.force_login(world.user(Role.COMMISSIONER, "host"))
    body = client.get("/partnerships/").content.decode()
    assert body.count("nhsuk-tag--purple") == 1 and "Elsewhere" in body
    client.force_login(world.user(Role.COMMISSIONER, "outsider"))
    assert "nhsuk-tag--purple" not in client.get("/partnerships/").content.decode()


def test_pool_pages_offer_only_what_the_user_may_do(world, client):
    close, settle, imp = f"/pools/{world.pool.pk}/periods/1/close", f"/pools/{world.pool.pk}/settle", f"/pools/{world.pool.pk}/import"
    expectations = [
        ((F, "host"), {close: True, settle: True, imp: True}),
        ((F, "party"), {close: False, settle: False, imp: True}),
        ((Role.COMMISSIONER, "host"), {close: False, settle: False, imp: False}),
        ((Role.BOARD_MEMBER, "seat"), {close: False, settle: False, imp: False}),
    ]
    for (role, tie), shown in expectations:
        client.force_login(world.user(role, tie))
        body = client.get(f"/pools/{world.pool.pk}/").content.decode()
        for text, expected in shown.items():
            assert (text in body) is expected, (role, tie, text)


def test_partnership_pages_offer_only_what_the_user_may_do(world, client):
    pk = world.agreement.pk
    edit, meeting = f"/partnerships/{pk}/edit", f"/partnerships/{pk}/meetings/new"
    for (role, tie), shown in [
        ((Role.COMMISSIONER, "party"), {edit: True, meeting: False}),
        ((Role.COMMISSIONER, "seat"), {edit: False, meeting: True}),
        ((Role.BOARD_MEMBER, "seat"), {edit: False, meeting: True}),
        ((Role.BOARD_MEMBER, "host"), {edit: False, meeting: False}),
        ((Role.ADMINISTRATOR, "host"), {edit: False, meeting: False}),
    ]:
        client.force_login(world.user(role, tie))
        body = client.get(f"/partnerships/{pk}/").content.decode()
        for href, expected in shown.items():
            assert (f'href="{href}"' in body) is expected, (role, tie, href)


def test_reference_organisations_are_read_only_for_everyone(world, client):
    reference = world.orgs["org:reference"]
    for role in Role:
        client.force_login(world.user(role, "outsider"))  # Salford's own staff
        page = client.get(f"/organisations/{reference.pk}/").content.decode()
        assert f"/organisations/{reference.pk}/edit" not in page
        assert "national ODS and ONS reference data" in page
        assert client.post(f"/organisations/{reference.pk}/edit", {"name": "Renamed"}).status_code == 403
    reference.refresh_from_db()
    assert reference.name == "Salford"
    client.force_login(world.user(Role.COMMISSIONER, "party"))
    local = world.orgs["org:local"]
    assert f"/organisations/{local.pk}/edit" in client.get(f"/organisations/{local.pk}/").content.decode()


def test_a_pool_for_an_agreement_of_others_is_refused_and_not_kept(world, client):
    from jointcare.pool.models import Pool

    pools = Pool.objects.count()
    client.force_login(world.user(F, "outsider"))
    response = client.post("/pools/new", {"document": agreement_yaml(2031)})
    assert response.status_code == 403 and "pool.create" in response.content.decode()
    assert Pool.objects.count() == pools
    assert not AuditEntry.objects.filter(action="pool.create", actor_name="finance_officer-outsider").exists()
    client.force_login(world.user(F, "party"))
    assert client.post("/pools/new", {"document": agreement_yaml(2031)}).status_code == 302
    assert Pool.objects.count() == pools + 1


def test_a_seat_is_held_only_by_someone_of_the_members_organisation(world, client):
    client.force_login(world.user(Role.COMMISSIONER, "host"))
    seat = {"person_name": "Ann", "organisation_id": world.orgs["council"].pk, "basis": "appointed_by_council", "voting": "yes"}
    response = client.post(f"/partnerships/{world.agreement.pk}/board/members/new", {**seat, "username": "analyst-outsider"})
    assert response.status_code == 400 and "is not of Test Council" in response.content.decode()
    response = client.post(f"/partnerships/{world.agreement.pk}/board/members/new", {**seat, "username": "nobody"})
    assert response.status_code == 400 and "No user called" in response.content.decode()
    response = client.post(f"/partnerships/{world.agreement.pk}/board/members/new", {**seat, "username": "analyst-host"})
    assert response.status_code == 302
    assert Relationship.BOARD_SEAT in relationships(_fresh(world.user(Role.ANALYST, "host")), world.agreement)


def test_the_audit_trail_is_everything_for_administrators_and_their_pool_for_its_finance(world, client):
    from jointcare.partnerships import services

    services.create_agreement(None, name="Unrelated", kind="duty_to_cooperate", starts_on="2025-04-01")
    manager = world.user(F, "named")
    _name_manager(world, manager)
    assert audit_filter(world.user(Role.ANALYST, "host")) is None
    assert audit_filter(world.user(F, "party")) is None  # finance of a member party: not the pool's host
    hosts = AuditEntry.objects.filter(audit_filter(world.user(F, "host")))  # the host's finance officers
    assert hosts.filter(action="pool.create").count() == 1 and not hosts.exclude(action__startswith="pool.").exists()
    pool_entries = AuditEntry.objects.filter(audit_filter(_fresh(manager)))
    assert pool_entries.filter(action="pool.create").count() == 1
    assert not pool_entries.exclude(action__startswith="pool.").exists()
    assert AuditEntry.objects.filter(audit_filter(world.user(Role.ADMINISTRATOR, "outsider"))).count() == AuditEntry.objects.count()
    client.force_login(manager)
    body = client.get("/audit/").content.decode()
    assert "Set up a pooled budget" in body and "Unrelated" not in body and "Created a user" not in body
    token = _token(manager)
    listed = client.get("/api/v1/audit/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert listed and {e["action"].split(".")[0] for e in listed} == {"pool"}
    client.force_login(world.user(F, "party"))
    assert client.get("/audit/").status_code == 200 and "Set up a pooled budget" not in client.get("/audit/").content.decode()


def test_commands_that_move_money_act_as_a_named_user_checked_like_the_web(world, capsys):
    pool = str(world.pool.pk)
    with pytest.raises(CommandError, match="--user"):
        call_command("pool", "close-period", "1", "--pool", pool)
    for username in ("finance_officer-party", "administrator-host", "commissioner-host", "nobody"):
        with pytest.raises(CommandError, match="--user"):
            call_command("pool", "close-period", "1", "--pool", pool, "--user", username)
    assert not world.pool.periods.filter(closed=True).exists()
    call_command("pool", "close-period", "1", "--pool", pool, "--user", "finance_officer-host")
    assert world.pool.periods.get(number=1).closed
    assert AuditEntry.objects.get(action="pool.close_period").actor_name == "finance_officer-host"
    call_command("pool", "settle", pool, "--dry-run", "--format", "json")  # a preview moves nothing: no user needed
    with pytest.raises(CommandError, match="--user"):
        call_command("pool", "settle", pool)
    call_command("pool", "report", "monitoring", "--pool", pool, "--format", "json")  # reading runs as the system


def test_a_command_cannot_create_a_pool_for_an_agreement_of_others(world, tmp_path):
    from jointcare.pool.models import Pool

    document = tmp_path / "pool.yaml"
    document.write_text(agreement_yaml(2032))
    pools = Pool.objects.count()
    with pytest.raises(CommandError, match="may not do this .pool.create on Test Section 75"):
        call_command("pool", "create", "--from", str(document), "--user", "finance_officer-outsider")
    assert Pool.objects.count() == pools
    call_command("pool", "create", "--from", str(document), "--user", "commissioner-party")
    assert Pool.objects.count() == pools + 1


def test_templates_ask_can_for_the_signed_in_user(world, rf):
    from django.template import engines

    template = engines["jinja2"].from_string("{{ can('pool.close', pool) }} {{ can('pool.post', pool) }} {{ can('audit.view') }}")
    for (role, tie), expected in [
        ((F, "host"), "True True False"),
        ((F, "party"), "False True False"),
        ((Role.ADMINISTRATOR, "host"), "False False True"),
    ]:
        request = rf.get("/")
        request.user = _fresh(world.user(role, tie))
        assert template.render({"pool": world.pool}, request=request) == expected, (role, tie)
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert template.render({"pool": world.pool}, request=request) == "False False False"
