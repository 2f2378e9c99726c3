"""Pure helpers for audit entries: turning values into JSON and describing what changed."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

from jointcare.money import format_pence


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


def changed_fields(before: dict | None, after: dict | None) -> list[str]:
    before = before or {}
    after = after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


# --- reading entries: words for codes ------------------------------------------------------------------

# Each action recorded by a service, as a person would say it.
ACTION_LABELS = {
    "agreement.create": "Created a partnership agreement",
    "agreement.update": "Changed a partnership agreement",
    "agreement.add_party": "Added a party to an agreement",
    "agreement.start": "Started an agreement",
    "agreement.end": "Ended an agreement",
    "agreement.terminate": "Terminated an agreement",
    "board.create": "Set up a partnership board",
    "board.add_member": "Added a board member",
    "board.record_meeting": "Recorded a board meeting",
    "board.record_attendance": "Recorded attendance at a meeting",
    "board.record_decision": "Recorded a decision",
    "organisation.create": "Added an organisation",
    "organisation.update": "Changed an organisation",
    "pool.create": "Set up a pooled budget",
    "pool.post": "Posted a transaction",
    "pool.post_bulk": "Imported transactions",
    "pool.import_actuals": "Imported actual spend from a file",
    "pool.reverse": "Reversed a transaction",
    "pool.commit": "Recorded a commitment",
    "pool.commit_bulk": "Imported commitments",
    "pool.close_period": "Closed a month",
    "pool.settle": "Settled the year's risk share",
    "pool.reopen": "Reopened a settled year",
    "reference.load": "Loaded reference data",
    "reference.population": "Loaded population figures",
    "token.create": "Issued an API token",
    "token.revoke": "Revoked an API token",
    "user.create": "Created a user",
    "user.set_password": "Set a user's password",
    "user.set_roles": "Changed a user's roles",
}

# What each kind of object is called, and the short name used in `?object=pool:5` links.
OBJECT_LABELS = {
    "pool.pool": "Pooled budget",
    "pool.period": "Month",
    "pool.ledgertransaction": "Transaction",
    "pool.commitment": "Commitment",
    "pool.settlement": "Settlement",
    "pool.scheme": "Scheme",
    "pool.contribution": "Contribution",
    "partnerships.agreement": "Partnership agreement",
    "partnerships.board": "Board",
    "partnerships.boardmember": "Board member",
    "partnerships.meeting": "Meeting",
    "partnerships.decision": "Decision",
    "partnerships.party": "Party",
    "organisations.organisation": "Organisation",
    "accounts.user": "User",
    "accounts.apitoken": "API token",
    "places.reference": "Reference data",
    "places.lsoa": "Population figures",
}
OBJECT_KEYS = {"pool": "pool.pool", "agreement": "partnerships.agreement", "board": "partnerships.board",
               "meeting": "partnerships.meeting", "decision": "partnerships.decision",
               "organisation": "organisations.organisation", "user": "accounts.user", "token": "accounts.apitoken"}


def _words(code: str) -> str:
    text = code.replace("_", " ").replace(".", ": ").strip()
    return text[:1].upper() + text[1:]


def action_label(action: str) -> str:
    """"pool.post" -> "Posted a transaction"; an action without a label is still shown in words."""
    return ACTION_LABELS.get(action) or _words(action)


def object_label(object_type: str) -> str:
    return OBJECT_LABELS.get(object_type) or _words(object_type.partition(".")[2] or object_type)


def field_label(name: str) -> str:
    """"amount_pence" -> "Amount", "manager_id" -> "Manager", "starts_on" -> "Starts on"."""
    for suffix in ("_pence", "_id"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return _words(name)


def value_text(name: str, value: Any) -> str:
    """A recorded value as text: pence as pounds, nothing as a dash, lists and mappings spelt out."""
    if value is None or value == "":
        return "–"
    if name.endswith("_pence") and isinstance(value, int) and not isinstance(value, bool):
        return format_pence(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(k))}: {value_text(str(k), v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(name, v) for v in value)
    return str(value)


def field_rows(before: dict | list | None, after: dict | list | None) -> list[tuple[str, str, str]]:
    """(field, before, after) in words for each field that changed, or was recorded when nothing was before."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        before = before if isinstance(before, dict) else ({"value": before} if before is not None else {})
        after = after if isinstance(after, dict) else ({"value": after} if after is not None else {})
    names = [k for k in list(before) + [k for k in after if k not in before] if before.get(k) != after.get(k)]
    return [
        (field_label(k), value_text(k, before[k]) if k in before else "–", value_text(k, after[k]) if k in after else "–")
        for k in names
    ]
