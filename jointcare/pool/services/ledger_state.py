"""What posting needs to know about a pool and which does not change between postings: its accounts, its
months (id, closed or open), its state and year. Kept per process, keyed by the pool's `ledger_version`.

The version changes (to a fresh random value) in the same database transaction as any change to those facts:
an account added (`Account.save`), a month closed (`close_period`), March closed and the pool settled
(`settle_pool`), March opened again and the pool reopened (`reopen_pool`). A cached state is only ever a hint:

- the one statement that posts (`services.ledger`) writes only if the pool's version is still the cached one
  and the month's row, locked there, is still open; otherwise it writes nothing, the state is loaded again
  and the request takes the path that reads everything from the database;
- nothing is refused on the word of the cache: an unknown account, a closed month or a state that does not
  allow posting makes the caller load the state again (or take the full path) before it refuses.

So another process's change (or a rolled back one) is seen at the next posting, never missed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.db import connection

from jointcare.pool.domain import Action, PoolState
from jointcare.pool.domain.periods import TRANSITIONS
from jointcare.pool.models import Account, Period, Pool, new_ledger_version

MAX_POOLS = 256  # pools kept per process; the least recently used is dropped beyond that


@dataclass(frozen=True)
class PoolLedger:
    pool_id: int
    version: int
    status: str
    financial_year: int
    accounts: frozenset[int]
    periods: dict[int, tuple[int, bool, str]]  # number -> (period id, closed, label)

    @property
    def can_post(self) -> bool:
        return (PoolState(self.status), Action.POST) in TRANSITIONS


_states: OrderedDict[tuple[str, int], PoolLedger] = OrderedDict()
_lock = threading.Lock()


def _key(pool_id: int, conn=None) -> tuple[str, int]:
    # one cache per database (the tests and benchmarks switch databases within a process)
    return ((conn or connection).settings_dict["NAME"], pool_id)


def load(pool_id: int) -> PoolLedger:
    """The pool's state as the database holds it now, cached. The version is read first: a change committed
    between the reads can only make the cached facts newer than their version, and the version check then
    refuses them once."""
    row = Pool.objects.filter(pk=pool_id).values_list("ledger_version", "status", "financial_year").first()
    if row is None:
        raise Pool.DoesNotExist(f"pool {pool_id} does not exist")
    version, status, year = row
    periods = {
        number: (pk, closed, starts_on.strftime("%Y-%m"))
        for pk, number, closed, starts_on in Period.objects.filter(pool_id=pool_id).values_list(
            "pk", "number", "closed", "starts_on"
        )
    }
    accounts = frozenset(Account.objects.filter(pool_id=pool_id).values_list("pk", flat=True))
    state = PoolLedger(pool_id, version, status, year, accounts, periods)
    with _lock:
        _states[_key(pool_id)] = state
        _states.move_to_end(_key(pool_id))
        while len(_states) > MAX_POOLS:
            _states.popitem(last=False)
    return state


def state_of(pool_id: int, conn=None) -> PoolLedger:
    """The cached state of the pool (loaded on first use); `conn`, the default connection if given (saves
    looking it up)."""
    state = _states.get(_key(pool_id, conn))
    return state if state is not None else load(pool_id)


def current(pool_id: int) -> PoolLedger:
    """The cached state once the pool's version in the database is checked to be the cached one (one small
    query; the state is loaded again if not): for callers that do not check the version in their own
    statements, such as bulk posting."""
    state = _states.get(_key(pool_id))
    version = Pool.objects.filter(pk=pool_id).values_list("ledger_version", flat=True).first()
    if state is None or state.version != version:
        state = load(pool_id)
    return state


def forget(pool_id: int | None = None) -> None:
    """Drop the cached state of one pool (or of every pool)."""
    with _lock:
        if pool_id is None:
            _states.clear()
        else:
            _states.pop(_key(pool_id), None)


def bump(pool_id: int) -> None:
    """Record, in the caller's database transaction, that what posting relies on has changed."""
    Pool.objects.filter(pk=pool_id).update(ledger_version=new_ledger_version())
    forget(pool_id)
