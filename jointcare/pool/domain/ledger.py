"""The ledger's rules: balanced transactions of bounded integer pence, balances, reversals, and the digest that
says whether two requests under one idempotency key are the same request.

Sign convention for postings: a positive amount is a debit, a negative amount a credit. Every transaction's
postings sum to zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence

from jointcare.money import MAX_AMOUNT_PENCE, format_pence


class LedgerError(ValueError):
    """A transaction or posting breaks a ledger rule."""


def check_transaction(amounts: Sequence[int]) -> None:
    """A transaction is two or more non-zero integer-pence postings, each within MAX_AMOUNT_PENCE either way,
    that sum to zero."""
    if len(amounts) < 2:
        raise LedgerError("a transaction needs two or more postings")
    for i, amount in enumerate(amounts, start=1):
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise LedgerError(f"posting {i}: amount must be whole pence (an integer), not {amount!r}")
        if amount == 0:
            raise LedgerError(f"posting {i}: amount must not be zero")
        if abs(amount) > MAX_AMOUNT_PENCE:
            raise LedgerError(
                f"posting {i}: {format_pence(amount)} is more than the largest amount allowed, "
                f"{format_pence(MAX_AMOUNT_PENCE)}"
            )
    total = sum(amounts)
    if total != 0:
        raise LedgerError(f"postings do not balance: they sum to {format_pence(total)}, not £0.00")


def balances(postings: Iterable[tuple[object, int]]) -> dict[object, int]:
    """Balance per account from (account, amount) pairs: the sum of its postings."""
    result: dict[object, int] = {}
    for account, amount in postings:
        result[account] = result.get(account, 0) + amount
    return result


def reversal_amounts(amounts: Sequence[int]) -> list[int]:
    return [-a for a in amounts]


def reversal_key(transaction_id: int) -> str:
    """The idempotency key of the reversal of a transaction: derived from its id, so never shared or cut short."""
    return f"reversal:{transaction_id}"


def payload_digest(
    *,
    kind: str,
    value_date: dt.date,
    postings: Iterable[tuple[int, int]],
    reason: str,
    reference: str = "",
    reverses: int | None = None,
) -> str:
    """SHA-256 of what a transaction says, stored with its idempotency key. The same key with the same digest is
    the same request (answered with the transaction already posted); with another digest it is a conflict.
    Postings are compared as a set (their order does not matter); where the request came from does not count.

    The text hashed is `canonical_payload`'s JSON. It is written out here rather than by `json.dumps`, several
    times faster for bulk posting, with the same characters (a test compares the two on arbitrary payloads):
    stored digests must keep matching."""
    if type(reason) is str and type(reference) is str and (reverses is None or type(reverses) is int):
        head = _heads.get((kind, value_date))  # the kind and the date as JSON: a few of each, written once
        if head is None:
            head = f"[{_json_string(str(kind))},{_json_string(value_date.isoformat())},"
            if len(_heads) < 10_000:
                _heads[(kind, value_date)] = head
        if type(postings) in (list, tuple) and len(postings) == 2:  # the common case: sorted by one comparison
            (a, x), (b, y) = postings
            if type(a) is not int or type(x) is not int or type(b) is not int or type(y) is not int:
                a, x, b, y = int(a), int(x), int(b), int(y)
            if (a, x) > (b, y):
                a, x, b, y = b, y, a, x
            pairs = f"[[{a},{x}],[{b},{y}]]"
        else:
            pairs = f"[{','.join([f'[{a},{x}]' for a, x in sorted([int(a), int(x)] for a, x in postings)])}]"
        canonical = (
            f"{head}{pairs},{_json_string(reason)},{_json_string(reference)},{'null' if reverses is None else reverses}]"
        )
    else:
        canonical = canonical_payload(
            kind=kind, value_date=value_date, postings=postings, reason=reason, reference=reference, reverses=reverses
        )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_json_string = json.encoder.encode_basestring  # what json.dumps writes a string as, with ensure_ascii=False
_heads: dict[tuple, str] = {}  # (kind, value date) -> the start of the canonical JSON


def canonical_payload(
    *,
    kind: str,
    value_date: dt.date,
    postings: Iterable[tuple[int, int]],
    reason: str,
    reference: str = "",
    reverses: int | None = None,
) -> str:
    """The text whose SHA-256 is the payload digest (decision 0037)."""
    return json.dumps(
        [str(kind), value_date.isoformat(), sorted([int(a), int(x)] for a, x in postings), reason, reference, reverses],
        separators=(",", ":"),
        ensure_ascii=False,
    )
