import pytest

from jointcare.accounts.domain import CAPABILITIES, Role, has_capability, throttled

pytestmark = pytest.mark.domain


def test_administrator_holds_every_capability():
    for capability in CAPABILITIES:
        assert has_capability({Role.ADMINISTRATOR}, capability)


def test_roles_hold_only_their_capabilities():
    assert has_capability({Role.FINANCE_OFFICER}, "pool.post")
    assert not has_capability({Role.CARE_COORDINATOR}, "pool.post")
    assert not has_capability({Role.COMMISSIONER}, "audit.view")
    assert not has_capability(set(), "organisations.view")


def test_unknown_capability_is_an_error_not_a_silent_no():
    with pytest.raises(KeyError):
        has_capability({Role.ANALYST}, "no.such.thing")


@pytest.mark.parametrize("failures,limit,expected", [(0, 5, False), (4, 5, False), (5, 5, True), (9, 5, True)])
def test_throttle_threshold(failures, limit, expected):
    assert throttled(failures, limit) is expected
