"""Financial years, their twelve monthly periods, and the pool's year-end lifecycle as a transition table.

A pool moves through four states:

    OPEN --close February--> AWAITING_SETTLEMENT --settle--> SETTLED --reopen--> REOPENED --settle--> SETTLED

- OPEN: months April to February close one by one, in order, each once it has ended.
- AWAITING_SETTLEMENT: April to February are closed; March stays open for the last invoices. From 1 April after
  the year the risk share can be settled.
- SETTLED: the risk share is posted into March and March is closed: nothing can be posted, reversed or
  committed. March closes only this way, so a pool can never be left unable to settle.
- REOPENED: an audited reopening (with a reason) reversed the settlement and opened March again for late
  invoices; settling again posts a new settlement and keeps the old one as history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from jointcare.dates import financial_year_label  # noqa: F401 (re-exported: part of the pool's vocabulary)
from jointcare.pool.domain.ledger import LedgerError

FIRST_YEAR, LAST_YEAR = 1900, 9998  # the financial years the calendar can hold
MONTH_NAMES = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
MARCH = 12
FEBRUARY = 11


# --------------------------------------------------------------------------------------------- the calendar


def financial_year_of(day: dt.date) -> int:
    """The starting calendar year of the financial year (1 April to 31 March) containing `day`."""
    return day.year if day.month >= 4 else day.year - 1


def parse_financial_year(text: str | int) -> int:
    """'2026-27', '2026/27' or 2026 -> 2026."""
    if isinstance(text, bool):
        raise ValueError(f"'{text}' is not a financial year (write it as 2026-27)")
    try:
        if isinstance(text, int):
            year = text
        else:
            value = str(text).strip().replace("/", "-")
            if "-" in value:
                start, end = value.split("-", 1)
                year = int(start)
                if int(end) % 100 != (year + 1) % 100:
                    raise ValueError
            else:
                year = int(value)
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError
        return year
    except ValueError:
        raise ValueError(f"'{text}' is not a financial year (write it as 2026-27)") from None


def financial_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def period_months(year: int) -> list[dt.date]:
    """First day of each of the 12 monthly periods of the financial year, April first."""
    return [dt.date(year + (m - 1 + 3) // 12, (m - 1 + 3) % 12 + 1, 1) for m in range(1, 13)]


def month_end(year: int, number: int) -> dt.date:
    """The last day of period `number` (1 = April .. 12 = March) of the financial year."""
    if number == MARCH:
        return financial_year_bounds(year)[1]
    return period_months(year)[number] - dt.timedelta(days=1)


def month_label(year: int, number: int) -> str:
    """'April 2026' for period 1 of 2026-27."""
    return period_months(year)[number - 1].strftime("%B %Y")


def period_number(year: int, day: dt.date) -> int:
    """1 (April) .. 12 (March) for a date inside the financial year; ValueError outside it."""
    if financial_year_of(day) != year:
        raise ValueError(f"{day.isoformat()} is outside financial year {financial_year_label(year)}")
    return (day.month - 4) % 12 + 1


def months_ended(year: int, today: dt.date) -> int:
    """How many of the year's months have ended by `today` (0 .. 12)."""
    start, end = financial_year_bounds(year)
    if today > end:
        return 12
    if today < start:
        return 0
    return period_number(year, today) - 1


def check_period_open(closed: bool, label: str) -> None:
    if closed:
        raise LedgerError(f"period {label} is closed: nothing can be posted into it")


def months_blocking_settlement(closed_numbers: Iterable[int]) -> list[int]:
    """Months (1 = April .. 11 = February) still open. The year-end risk share is posted into March, so every
    earlier month must be closed first: the outturn it shares must be final."""
    closed = set(closed_numbers)
    return [n for n in range(1, MARCH) if n not in closed]


# --------------------------------------------------------------------------------------------- lifecycle


class PoolState(StrEnum):
    OPEN = "open"
    AWAITING_SETTLEMENT = "awaiting_settlement"
    SETTLED = "settled"
    REOPENED = "reopened"


POOL_STATE_LABELS = {
    PoolState.OPEN: "Open",
    PoolState.AWAITING_SETTLEMENT: "Awaiting settlement",
    PoolState.SETTLED: "Settled",
    PoolState.REOPENED: "Reopened for late invoices",
}


class Action(StrEnum):
    POST = "post"  # post or reverse a transaction, receive a contribution
    COMMIT = "commit"  # record or restate planned spend
    CLOSE_MONTH = "close_month"  # close one of April to January
    CLOSE_FEBRUARY = "close_february"  # close the last month before settlement
    SETTLE = "settle"
    REOPEN = "reopen"


S, A = PoolState, Action

# (state, action) -> the state after it. Anything not listed is refused.
TRANSITIONS: dict[tuple[PoolState, Action], PoolState] = {
    (S.OPEN, A.POST): S.OPEN,
    (S.OPEN, A.COMMIT): S.OPEN,
    (S.OPEN, A.CLOSE_MONTH): S.OPEN,
    (S.OPEN, A.CLOSE_FEBRUARY): S.AWAITING_SETTLEMENT,
    (S.AWAITING_SETTLEMENT, A.POST): S.AWAITING_SETTLEMENT,
    (S.AWAITING_SETTLEMENT, A.COMMIT): S.AWAITING_SETTLEMENT,
    (S.AWAITING_SETTLEMENT, A.SETTLE): S.SETTLED,
    (S.SETTLED, A.REOPEN): S.REOPENED,
    (S.REOPENED, A.POST): S.REOPENED,
    (S.REOPENED, A.COMMIT): S.REOPENED,
    (S.REOPENED, A.SETTLE): S.SETTLED,
}


class LifecycleError(ValueError):
    """An action the pool's state or the calendar does not allow now."""

    def __init__(self, message: str, field: str = "period"):
        super().__init__(message)
        self.field = field


def _long(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def close_action(number: int) -> Action:
    return Action.CLOSE_FEBRUARY if number == FEBRUARY else Action.CLOSE_MONTH


@dataclass(frozen=True)
class Lifecycle:
    """Where a pool stands: its state and which months are closed."""

    year: int
    state: PoolState
    closed: frozenset[int]

    @property
    def next_month_to_close(self) -> int | None:
        """The first open month of April to February: the only one that may close next."""
        return next((n for n in range(1, MARCH) if n not in self.closed), None)

    def check(
        self, action: Action, *, today: dt.date, number: int | None = None, reason: str = ""
    ) -> PoolState:
        """The state after `action`, or LifecycleError saying why it is not allowed now."""
        if action in (Action.CLOSE_MONTH, Action.CLOSE_FEBRUARY):
            self._check_close(number, today)
            action = close_action(number)  # the month decides which of the two it is
        if action == Action.SETTLE:
            self._check_settle(today)
        if action == Action.REOPEN and not reason.strip():
            raise LifecycleError("give the reason for reopening the pool (e.g. the late invoices)", "reason")
        after = TRANSITIONS.get((self.state, action))
        if after is None:
            raise LifecycleError(self._refusal(action), "state")
        return after

    def _check_close(self, number: int | None, today: dt.date) -> None:
        if number is None or not 1 <= number <= MARCH:
            raise LifecycleError(f"there is no month {number}: months are 1 (April) to 12 (March)")
        label = month_label(self.year, number)
        if number in self.closed:
            raise LifecycleError(f"{label} is already closed")
        if number == MARCH:
            raise LifecycleError("March closes when the risk share is settled, so that the settlement can be posted")
        first_open = self.next_month_to_close
        if number != first_open:
            raise LifecycleError(
                f"months close in order: close {month_label(self.year, first_open)} before {label}"
            )
        end = month_end(self.year, number)
        if today <= end:
            raise LifecycleError(
                f"{label} has not ended: it can be closed from {_long(end + dt.timedelta(days=1))}"
            )

    def _check_settle(self, today: dt.date) -> None:
        if self.state == PoolState.SETTLED:
            return  # the table refuses it, saying why
        end = financial_year_bounds(self.year)[1]
        if today <= end:
            raise LifecycleError(
                f"the year ends on {_long(end)}: the risk share can be settled from "
                f"{_long(end + dt.timedelta(days=1))}"
            )
        still_open = months_blocking_settlement(self.closed)
        if still_open:
            raise LifecycleError(
                "close every month from April to February before settling; still open: "
                + ", ".join(month_label(self.year, n) for n in still_open)
            )

    def _refusal(self, action: Action) -> str:
        if self.state == PoolState.SETTLED:
            if action == Action.SETTLE:
                return "the pool is already settled"
            return "the pool is settled and locked: reopen it, with a reason, to post late invoices"
        if action == Action.REOPEN:
            return "only a settled pool can be reopened"
        if action == Action.SETTLE:
            return "close every month from April to February before settling"
        return f"{action.value.replace('_', ' ')} is not allowed while the pool is {POOL_STATE_LABELS[self.state].lower()}"

    def allowed(self, today: dt.date) -> dict:
        """What can be done now, for showing only the buttons that work: the month that may close next (or
        None), and whether posting, committing, settling and reopening are allowed."""

        def ok(action: Action, **kwargs) -> bool:
            try:
                self.check(action, today=today, **kwargs)
            except LifecycleError:
                return False
            return True

        month = self.next_month_to_close
        return {
            "state": self.state.value,
            "state_label": POOL_STATE_LABELS[self.state],
            "close_month": month if month is not None and ok(close_action(month), number=month) else None,
            "post": ok(Action.POST),
            "commit": ok(Action.COMMIT),
            "settle": ok(Action.SETTLE),
            "reopen": ok(Action.REOPEN, reason="-"),
        }


def state_from_facts(closed: Iterable[int], settled: bool, reopened_before: bool) -> PoolState:
    """The state a pool's periods and settlements imply (stored on the pool; the ledger check compares)."""
    if settled:
        return PoolState.SETTLED
    if reopened_before:
        return PoolState.REOPENED
    return PoolState.AWAITING_SETTLEMENT if not months_blocking_settlement(closed) else PoolState.OPEN
