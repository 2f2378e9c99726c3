"""Money as integer pence, and a split that always adds back to the whole.

Amounts are signed integers in pence. Nothing here uses floats. The split uses the
largest-remainder rule: each part gets the floor of its exact share, then the pennies left
over go one each to the parts with the largest remainders (ties to the earlier part).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from collections.abc import Sequence

_AMOUNT = re.compile(r"^\s*(-)?\s*£?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*$")


# Bounds on money. One amount (a posting, contribution, budget, commitment, cap or reserve) is at most
# £100 billion either way; a stored balance or total at most £10 trillion. Both sit far inside a signed 64-bit
# integer, so sums of bounded amounts never overflow, on any database.
MAX_AMOUNT_PENCE = 10**13
MAX_BALANCE_PENCE = 10**15


class MoneyError(ValueError):
    pass


def check_amount(pence: int) -> int:
    """`pence` if it is a whole number of pence within MAX_AMOUNT_PENCE either way; MoneyError otherwise."""
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise MoneyError(f"'{pence}' is not a whole number of pence")
    if abs(pence) > MAX_AMOUNT_PENCE:
        raise MoneyError(f"{format_pence(pence)} is more than the largest amount allowed, {format_pence(MAX_AMOUNT_PENCE)}")
    return pence


def parse_pounds(text: str) -> int:
    """Parse '1,234.56', '£12', '-3.5' into pence. Refuses more than two decimal places, and (check_amount)
    anything beyond the largest amount allowed."""
    if isinstance(text, int):
        return check_amount(text * 100)
    if isinstance(text, Decimal):
        return check_amount(_decimal_to_pence(text))
    text = str(text)
    match = _AMOUNT.match(text) if len(text) <= 40 else None
    if not match:
        shown = text if len(text) <= 40 else f"{text[:30]}…"
        raise MoneyError(f"'{shown}' is not an amount of money (use pounds with up to two decimals, e.g. 1234.56)")
    sign, whole, frac = match.groups()
    pence = int(whole.replace(",", "")) * 100 + int((frac or "0").ljust(2, "0"))
    return check_amount(-pence if sign else pence)


def _decimal_to_pence(value: Decimal) -> int:
    try:
        scaled = value * 100
    except InvalidOperation as exc:  # pragma: no cover - defensive
        raise MoneyError(f"'{value}' is not an amount of money") from exc
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"'{value}' has more than two decimal places")
    return int(scaled)


def format_pence(pence: int | None, symbol: bool = True) -> str:
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(int(pence)), 100)
    return f"{sign}{'£' if symbol else ''}{pounds:,}.{rem:02d}"


def split_largest_remainder(total: int, weights: Sequence[int | Fraction]) -> list[int]:
    """Split `total` pence in proportion to non-negative `weights`; the parts sum to `total` exactly."""
    if not weights:
        raise MoneyError("cannot split an amount between no parts")
    if any(w < 0 for w in weights):
        raise MoneyError("split weights must not be negative")
    weight_sum = sum(Fraction(w) for w in weights)
    if weight_sum == 0:
        raise MoneyError("split weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    exact = [Fraction(magnitude) * Fraction(w) / weight_sum for w in weights]
    parts = [int(e) for e in exact]  # floor, as all are non-negative
    left = magnitude - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]
