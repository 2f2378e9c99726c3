"""The pool's year-end lifecycle as a pure transition table: every transition, allowed and refused."""

import datetime as dt
import itertools

import pytest

from jointcare.pool import domain as d
from jointcare.pool.domain import Action, Lifecycle, LifecycleError, PoolState

pytestmark = pytest.mark.domain

YEAR = 2026
AFTER_YEAR_END = dt.date(2027, 4, 1)
ALL_BUT_MARCH = frozenset(range(1, 12))


def at(state: PoolState, closed=()) -> Lifecycle:
    if state != PoolState.OPEN and not closed:
        closed = ALL_BUT_MARCH | ({12} if state == PoolState.SETTLED else set())
    return Lifecycle(YEAR, state, frozenset(closed))


def guards(state: PoolState, action: Action) -> dict:
    """Arguments that satisfy every guard but the table's, so only the table decides."""
    if action in (Action.CLOSE_MONTH, Action.CLOSE_FEBRUARY):
        return {"number": 11 if action == Action.CLOSE_FEBRUARY else 1}
    if action == Action.REOPEN:
        return {"reason": "late invoice from the equipment service"}
    return {}


def lifecycle_for(state: PoolState, action: Action) -> Lifecycle:
    if state == PoolState.OPEN and action == Action.CLOSE_FEBRUARY:
        return at(state, range(1, 11))
    return at(state)


@pytest.mark.parametrize(("state", "action"), list(itertools.product(PoolState, Action)))
def test_every_state_and_action(state, action):
    life = lifecycle_for(state, action)
    expected = d.TRANSITIONS.get((state, action))
    if expected is None:
        with pytest.raises(LifecycleError):
            life.check(action, today=AFTER_YEAR_END, **guards(state, action))
    else:
        assert life.check(action, today=AFTER_YEAR_END, **guards(state, action)) == expected


def test_the_table_is_the_documented_year():
    assert d.TRANSITIONS[(PoolState.OPEN, Action.CLOSE_FEBRUARY)] == PoolState.AWAITING_SETTLEMENT
    assert d.TRANSITIONS[(PoolState.AWAITING_SETTLEMENT, Action.SETTLE)] == PoolState.SETTLED
    assert d.TRANSITIONS[(PoolState.SETTLED, Action.REOPEN)] == PoolState.REOPENED
    assert d.TRANSITIONS[(PoolState.REOPENED, Action.SETTLE)] == PoolState.SETTLED
    # a settled pool is locked: nothing but reopening
    assert {a for (s, a) in d.TRANSITIONS if s == PoolState.SETTLED} == {Action.REOPEN}


def test_months_close_in_order_and_only_once_ended():
    """Finding 2: every open month, future ones included, could be closed with one click."""
    life = at(PoolState.OPEN, {1, 2})
    assert life.next_month_to_close == 3
    with pytest.raises(LifecycleError, match="close June 2026 before July 2026"):
        life.check(Action.CLOSE_MONTH, today=AFTER_YEAR_END, number=4)
    with pytest.raises(LifecycleError, match="June 2026 has not ended: it can be closed from 1 July 2026"):
        life.check(Action.CLOSE_MONTH, today=dt.date(2026, 6, 30), number=3)
    assert life.check(Action.CLOSE_MONTH, today=dt.date(2026, 7, 1), number=3) == PoolState.OPEN
    with pytest.raises(LifecycleError, match="already closed"):
        life.check(Action.CLOSE_MONTH, today=AFTER_YEAR_END, number=2)
    with pytest.raises(LifecycleError, match="no month 13"):
        life.check(Action.CLOSE_MONTH, today=AFTER_YEAR_END, number=13)


def test_closing_february_awaits_settlement_whichever_action_is_named():
    life = at(PoolState.OPEN, range(1, 11))
    assert life.check(Action.CLOSE_MONTH, today=dt.date(2027, 3, 1), number=11) == PoolState.AWAITING_SETTLEMENT
    with pytest.raises(LifecycleError, match="has not ended"):
        life.check(Action.CLOSE_MONTH, today=dt.date(2027, 2, 28), number=11)


def test_march_closes_only_by_settling():
    """Finding 2: closing March before settling made the pool unsettleable for good."""
    for state in (PoolState.AWAITING_SETTLEMENT, PoolState.REOPENED):
        with pytest.raises(LifecycleError, match="March closes when the risk share is settled"):
            at(state).check(Action.CLOSE_MONTH, today=AFTER_YEAR_END, number=12)


def test_settlement_only_after_the_year_ends_with_april_to_february_closed():
    """Finding 2: closing April-February early let the year be settled in November."""
    waiting = at(PoolState.AWAITING_SETTLEMENT)
    with pytest.raises(LifecycleError, match="settled from 1 April 2027"):
        waiting.check(Action.SETTLE, today=dt.date(2027, 3, 31))
    assert waiting.check(Action.SETTLE, today=AFTER_YEAR_END) == PoolState.SETTLED
    open_ = at(PoolState.OPEN, [n for n in range(1, 12) if n != 7])
    with pytest.raises(LifecycleError, match="still open: October 2026"):
        open_.check(Action.SETTLE, today=AFTER_YEAR_END)


def test_a_settled_pool_is_locked_and_reopens_only_with_a_reason():
    settled = at(PoolState.SETTLED)
    for action in (Action.POST, Action.COMMIT):
        with pytest.raises(LifecycleError, match="settled and locked: reopen it"):
            settled.check(action, today=AFTER_YEAR_END)
    with pytest.raises(LifecycleError, match="already settled"):
        settled.check(Action.SETTLE, today=AFTER_YEAR_END)
    with pytest.raises(LifecycleError, match="give the reason"):
        settled.check(Action.REOPEN, today=AFTER_YEAR_END, reason="  ")
    assert settled.check(Action.REOPEN, today=AFTER_YEAR_END, reason="late invoice") == PoolState.REOPENED


def test_allowed_says_which_buttons_work():
    life = at(PoolState.OPEN, {1, 2})
    assert life.allowed(dt.date(2026, 6, 15)) == {
        "state": "open",
        "state_label": "Open",
        "close_month": None,  # June has not ended
        "post": True,
        "commit": True,
        "settle": False,
        "reopen": False,
    }
    assert life.allowed(dt.date(2026, 7, 1))["close_month"] == 3
    assert at(PoolState.AWAITING_SETTLEMENT).allowed(AFTER_YEAR_END)["settle"] is True
    assert at(PoolState.AWAITING_SETTLEMENT).allowed(dt.date(2027, 3, 31))["settle"] is False
    settled = at(PoolState.SETTLED).allowed(AFTER_YEAR_END)
    assert (settled["post"], settled["reopen"], settled["settle"], settled["close_month"]) == (False, True, False, None)


def test_state_from_facts():
    assert d.state_from_facts(range(1, 11), settled=False, reopened_before=False) == PoolState.OPEN
    assert d.state_from_facts(range(1, 12), settled=False, reopened_before=False) == PoolState.AWAITING_SETTLEMENT
    assert d.state_from_facts(range(1, 13), settled=True, reopened_before=False) == PoolState.SETTLED
    assert d.state_from_facts(range(1, 12), settled=False, reopened_before=True) == PoolState.REOPENED


def test_month_ends_and_months_ended():
    assert d.month_end(YEAR, 1) == dt.date(2026, 4, 30)
    assert d.month_end(YEAR, 11) == dt.date(2027, 2, 28)
    assert d.month_end(2027, 11) == dt.date(2028, 2, 29)
    assert d.month_end(YEAR, 12) == dt.date(2027, 3, 31)
    assert d.months_ended(YEAR, dt.date(2026, 3, 1)) == 0
    assert d.months_ended(YEAR, dt.date(2026, 11, 29)) == 7
    assert d.months_ended(YEAR, dt.date(2027, 4, 1)) == 12
