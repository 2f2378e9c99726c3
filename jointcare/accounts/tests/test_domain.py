import pytest

from jointcare.accounts.domain import (
    ACTIONS,
    ALL_ROLES,
    POLICY,
    POLICY_LINES,
    WRITES,
    Relationship,
    Role,
    account_limit,
    allowed,
    possible,
    relationships_granting,
)

pytestmark = pytest.mark.domain

ANY = {Relationship.ANY}
PARTY = {Relationship.ANY, Relationship.PARTY}
HOST = {Relationship.ANY, Relationship.PARTY, Relationship.HOST}
SEAT = {Relationship.ANY, Relationship.BOARD_SEAT}
NAMED = {Relationship.ANY, Relationship.NAMED}
MONEY = ("pool.post", "pool.commit", "pool.close", "pool.reopen", "pool.settle")


def test_no_action_on_a_partnership_without_a_tie_to_it():
    scoped = [a for a in WRITES if a.split(".")[0] in ("pool", "partnerships") and a != "partnerships.create"]
    assert scoped
    for action in scoped:
        for role in Role:
            assert not allowed({role}, ANY, action), (role, action)


def test_administrators_run_the_system_but_move_no_money_and_decide_nothing():
    admin = {Role.ADMINISTRATOR}
    for action in ("users.manage", "tokens.manage", "reference.manage", "audit.view"):
        assert allowed(admin, ANY, action)
    everything = set(Relationship)
    for action in (*MONEY, "pool.create", "pool.edit", "partnerships.edit", "partnerships.decide", "organisations.edit"):
        assert not allowed(admin, everything, action), action


def test_money_needs_a_finance_role_whatever_the_relationship():
    everything = set(Relationship)
    for action in MONEY:
        holders = {role for role in Role if allowed({role}, everything, action)}
        assert holders == {Role.FINANCE_OFFICER}, action


def test_a_party_finance_officer_posts_but_only_the_host_or_manager_closes_and_settles():
    f = {Role.FINANCE_OFFICER}
    assert allowed(f, PARTY, "pool.post") and allowed(f, PARTY, "pool.commit")
    for action in ("pool.close", "pool.reopen", "pool.settle"):
        assert not allowed(f, PARTY, action)
        assert allowed(f, HOST, action) and allowed(f, NAMED, action)


def test_care_roles_never_commit_raw_amounts():
    for role in (Role.CARE_COORDINATOR, Role.SOCIAL_WORKER, Role.COMMUNITY_MATRON):
        assert not allowed({role}, set(Relationship), "pool.commit")


def test_board_actions_need_a_seat_on_that_board():
    for role in (Role.BOARD_MEMBER, Role.COMMISSIONER):
        assert not allowed({role}, HOST, "partnerships.decide")
        assert allowed({role}, SEAT, "partnerships.decide")


def test_pools_are_seen_by_party_staff_and_the_board_not_by_outsiders():
    for role in (Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.ANALYST, Role.BOARD_MEMBER):
        assert allowed({role}, PARTY, "pool.view") and not allowed({role}, ANY, "pool.view")
    assert allowed({Role.BOARD_MEMBER}, SEAT, "pool.view")
    assert not allowed({Role.ANALYST}, SEAT, "pool.view")
    assert not allowed({Role.SOCIAL_WORKER}, HOST, "pool.view")


def test_reference_data_and_agreements_are_readable_by_everyone():
    for action in ("reference.view", "organisations.view", "partnerships.view"):
        assert all(allowed({role}, ANY, action) for role in Role)


def test_no_role_no_permission():
    assert not allowed(set(), set(Relationship), "organisations.view")
    assert not possible(set(), "organisations.view")


def test_unknown_action_is_an_error_not_a_silent_no():
    with pytest.raises(KeyError):
        allowed({Role.ANALYST}, ANY, "no.such.thing")
    with pytest.raises(KeyError):
        possible({Role.ANALYST}, "pool.frobnicate")


def test_possible_and_granting_agree_with_the_table():
    for action in ACTIONS:
        for role in Role:
            granting = relationships_granting({role}, action)
            assert possible({role}, action) == bool(granting)
            assert all((role, rel, action) in POLICY for rel in granting)


def test_every_line_of_the_table_names_real_roles_and_relationships():
    for action, relationship, roles in POLICY_LINES:
        assert isinstance(relationship, Relationship)
        assert roles <= ALL_ROLES and roles, action


def test_an_address_with_too_many_failures_gets_one_try_per_account():
    assert account_limit(5, address_suspect=False) == 5
    assert account_limit(5, address_suspect=True) == 1
