"""Writing a council's rolling 12-month CLD submission, and its data-quality report.

`write_submission` takes the events as dicts of Release 2 fields (whatever built them: jointcare's own records
of people, referrals, assessments, services, reviews and reablement), writes them as a Release 2 CSV with the
submission's `LA_Code` and reporting period on every row, and checks the written file with exactly the checks an
import applies (`services.validate_cld`), so the report a council reads before sending is the one jointcare
would give on receiving it. Cells are written through `jointcare.exports` (never a formula). Events outside the
reporting period are left out as DHSC's filter would drop them: requests, assessments and reviews must end in
it; services must be active in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from jointcare import exports
from jointcare.cld import domain, services
from jointcare.cld.validation import Outcome


def in_period(event: dict, start: date, end: date) -> bool:
    """Does the event belong in a submission for start..end (DHSC's event filter)?"""
    begins, ends = _date(event.get("Event_Start_Date")), _date(event.get("Event_End_Date"))
    if begins is None or begins > end:
        return False
    if event.get("Event_Type") == "Service":
        return ends is None or ends >= start
    return ends is not None and start <= ends <= end


def _date(value):
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def write_submission(
    events: Iterable[dict], path: Path, *, la_code: str, period_start: date, period_end: date
) -> tuple[int, Outcome]:
    """Write the submission to `path` (CSV) and check it; (rows written, the data-quality outcome)."""
    unknown_fields: set[str] = set()

    def rows():
        for event in events:
            unknown_fields.update(set(event) - set(domain.FIELD_NAMES))
            if not in_period(event, period_start, period_end):
                continue
            row = dict(event, LA_Code=la_code, Reporting_Period_Start_Date=period_start, Reporting_Period_End_Date=period_end)
            yield [row.get(name) for name in domain.FIELD_NAMES]

    written = 0

    def counted():
        nonlocal written
        for row in rows():
            written += 1
            yield row

    with path.open("w", encoding="utf-8", newline="") as out:
        exports.write_csv(out, domain.FIELD_NAMES, counted())
    if unknown_fields:
        raise KeyError(f"not Release 2 CLD fields: {sorted(unknown_fields)}")
    return written, services.validate_cld(path, path.name)
