"""Counts in words: "1 row", "2 rows". Used by templates (the `plural` filter) and by messages built in Python."""

from __future__ import annotations


def plural(count: int | None, singular: str, plural_form: str | None = None) -> str:
    """`plural(1, "voting member")` -> "1 voting member"; `plural(1200, "row")` -> "1,200 rows"."""
    count = count or 0
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"
