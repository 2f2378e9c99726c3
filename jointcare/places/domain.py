"""Coterminosity of NHS bodies with councils, measured on small areas (LSOAs). Pure: no Django import.

An NHS body and a council overlap when they have at least one LSOA in common. Each LSOA counts with its
weight (its population when known, otherwise 1), times the fraction of it that belongs to the body (1 at
CCG, STP, Sub-ICB and ICB level; PCTs are split across 2013 CCGs, so an LSOA may be shared between PCTs).

The same arithmetic says how a closed body's area passed to its successors (body = predecessor, "council" =
successor: `share` is the fraction of the predecessor that went to each).

For a body B and council C:
    share          = weight(B ∩ C) / weight(B)   (how much of the body lies in the council)
    council_share  = weight(B ∩ C) / weight(C)   (how much of the council lies in the body)
B is coterminous when some council has share >= threshold AND council_share >= threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_THRESHOLD = 0.95
# pct: 2013 PCTs; ccg, stp: April 2020 (against 2019 councils); sub-icb, icb: today's (against today's councils).
LEVELS = ("pct", "ccg", "stp", "sub-icb", "icb")
CURRENT_LEVELS = ("sub-icb", "icb")
SOCIAL_SERVICES_PREFIXES = ("E06", "E08", "E09", "E10")


@dataclass(frozen=True)
class CouncilOverlap:
    code: str
    weight: float
    share: float  # of the body
    council_share: float  # of the council


@dataclass(frozen=True)
class BodyCoterminosity:
    code: str
    weight: float
    councils: tuple[CouncilOverlap, ...]  # by share, largest first
    largest_share: float
    coterminous: bool

    @property
    def spans_several(self) -> bool:
        return len(self.councils) > 1


@dataclass(frozen=True)
class BodyOverlap:
    code: str
    weight: float
    share: float  # of the council
    body_share: float  # of the body


@dataclass(frozen=True)
class CouncilCoterminosity:
    code: str
    weight: float
    bodies: tuple[BodyOverlap, ...]  # by share of the council, largest first


@dataclass(frozen=True)
class Coterminosity:
    threshold: float
    bodies: tuple[BodyCoterminosity, ...]  # by code
    councils: tuple[CouncilCoterminosity, ...]  # by code

    @property
    def several_count(self) -> int:
        return sum(1 for b in self.bodies if b.spans_several)

    @property
    def coterminous_count(self) -> int:
        return sum(1 for b in self.bodies if b.coterminous)


def level_error(level: str) -> str | None:
    if level not in LEVELS:
        return f"'{level}' is not a level: choose one of {', '.join(LEVELS)}"
    return None


def threshold_error(threshold: float) -> str | None:
    if not isinstance(threshold, (int, float)) or threshold != threshold or not 0 < threshold <= 1:
        return f"The threshold must be a number greater than 0 and at most 1, not {threshold!r}"
    return None


def is_social_services_council(code: str) -> bool:
    return code.startswith(SOCIAL_SERVICES_PREFIXES)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def coterminosity(
    memberships: Iterable[tuple],
    weights: Mapping[str, float] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Coterminosity:
    """Measure how NHS bodies fit councils.

    `memberships`: (lsoa, body, council) or (lsoa, body, council, fraction) tuples; an LSOA's fractions
    should add up to 1 (they are 1 when omitted). `weights`: LSOA -> weight (population); every LSOA
    weighs 1 when None. An LSOA missing from `weights` weighs 0 but still makes the body and council
    overlap.
    """
    error = threshold_error(threshold)
    if error:
        raise ValueError(error)
    inter: dict[tuple[str, str], float] = defaultdict(int)
    body_total: dict[str, float] = defaultdict(int)
    council_total: dict[str, float] = defaultdict(int)
    for m in memberships:
        lsoa, body, council = m[0], m[1], m[2]
        w = 1 if weights is None else weights.get(lsoa, 0)
        if len(m) > 3:
            w = w * m[3]
        inter[(body, council)] += w
        body_total[body] += w
        council_total[council] += w

    by_body: dict[str, list[CouncilOverlap]] = defaultdict(list)
    by_council: dict[str, list[BodyOverlap]] = defaultdict(list)
    for (body, council), w in inter.items():
        share = _ratio(w, body_total[body])
        council_share = _ratio(w, council_total[council])
        by_body[body].append(CouncilOverlap(council, w, share, council_share))
        by_council[council].append(BodyOverlap(body, w, council_share, share))

    bodies = []
    for body in sorted(by_body):
        overlaps = tuple(sorted(by_body[body], key=lambda o: (-o.share, o.code)))
        bodies.append(
            BodyCoterminosity(
                code=body,
                weight=body_total[body],
                councils=overlaps,
                largest_share=overlaps[0].share,
                coterminous=any(o.share >= threshold and o.council_share >= threshold for o in overlaps),
            )
        )
    councils = tuple(
        CouncilCoterminosity(c, council_total[c], tuple(sorted(by_council[c], key=lambda o: (-o.share, o.code))))
        for c in sorted(by_council)
    )
    return Coterminosity(threshold=threshold, bodies=tuple(bodies), councils=councils)
