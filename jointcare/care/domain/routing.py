"""Which team receives a referral: the partnership's routing rules, most specific first.

A rule names a route of access (or any), a responsible council by GSS code (or any) and a team. For a
referral the rules are tried in this order, and the first that matches wins:

1. the route and the council both named and matching;
2. the route matching, any council;
3. any route, the council matching;
4. any route and any council: the default team.

Two rules at the same level for the same route and council would make the choice arbitrary: `clashes` finds
them, and the service refuses the second. No rule at all is a clear error naming the route and council.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jointcare.care.domain.vocabulary import RouteOfAccess


@dataclass(frozen=True)
class Rule:
    team_id: int
    route: str | None = None  # a RouteOfAccess value, or None for any
    council: str | None = None  # a GSS code, or None for any


@dataclass(frozen=True)
class Routed:
    team_id: int
    rule: Rule
    explanation: str


class NoRoute(LookupError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def level(rule: Rule) -> int:
    """1 (most specific) to 4 (the default)."""
    return {(True, True): 1, (True, False): 2, (False, True): 3, (False, False): 4}[(rule.route is not None, rule.council is not None)]


def describe(rule: Rule) -> str:
    route = RouteOfAccess(rule.route).label.lower() if rule.route else "any route"
    council = f"residents of {rule.council}" if rule.council else "any council"
    return f"{route}, {council}"


def route(rules: Iterable[Rule], route_of_access: str, council: str | None) -> Routed:
    """The team for a referral by this route for a resident of this council (GSS code, or None if unknown)."""
    matching = [
        r for r in rules
        if r.route in (None, route_of_access) and (r.council is None or (council is not None and r.council == council))
    ]
    if not matching:
        where = f"residents of {council}" if council else "people with no responsible council recorded"
        raise NoRoute(
            f"No routing rule sends {RouteOfAccess(route_of_access).label.lower()} referrals for {where} to a team, "
            "and there is no default team: add a rule or a default team"
        )
    best = min(matching, key=lambda r: (level(r), r.team_id))
    kind = "the default team" if level(best) == 4 else f"the rule for {describe(best)}"
    return Routed(team_id=best.team_id, rule=best, explanation=f"Routed by {kind}")


def clashes(rules: Iterable[Rule], new: Rule) -> list[Rule]:
    """Existing rules for the same route and council as `new` (which would leave the choice arbitrary)."""
    return [r for r in rules if (r.route, r.council) == (new.route, new.council)]
