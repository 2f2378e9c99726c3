"""The NHS Continuing Healthcare Checklist (National Framework, 2022 revision) and the funding route.

The Checklist screens for a full assessment of eligibility for NHS Continuing Healthcare. Eleven care domains
are scored A, B or C. A full assessment is needed when any of these holds:

- two or more domains score A;
- five or more domains score B, or one scores A and four score B;
- a domain that carries a priority level in the Decision Support Tool (behaviour, breathing, drug therapies
  and medication, altered states of consciousness) scores A.

Eligibility itself is decided by a multidisciplinary team with the Decision Support Tool; the software records
the Checklist, the decision and its date, and from them which partner funds the care (see `funding_route`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Domain(StrEnum):
    BREATHING = "breathing"
    NUTRITION = "nutrition"
    CONTINENCE = "continence"
    SKIN = "skin"
    MOBILITY = "mobility"
    COMMUNICATION = "communication"
    PSYCHOLOGICAL = "psychological"
    COGNITION = "cognition"
    BEHAVIOUR = "behaviour"
    DRUGS = "drugs"
    CONSCIOUSNESS = "consciousness"

    @property
    def label(self) -> str:
        return DOMAIN_LABELS[self]


DOMAIN_LABELS = {
    Domain.BREATHING: "Breathing",
    Domain.NUTRITION: "Nutrition",
    Domain.CONTINENCE: "Continence",
    Domain.SKIN: "Skin integrity",
    Domain.MOBILITY: "Mobility",
    Domain.COMMUNICATION: "Communication",
    Domain.PSYCHOLOGICAL: "Psychological and emotional needs",
    Domain.COGNITION: "Cognition",
    Domain.BEHAVIOUR: "Behaviour",
    Domain.DRUGS: "Drug therapies and medication",
    Domain.CONSCIOUSNESS: "Altered states of consciousness",
}
PRIORITY_DOMAINS = frozenset({Domain.BEHAVIOUR, Domain.BREATHING, Domain.DRUGS, Domain.CONSCIOUSNESS})
SCORES = ("A", "B", "C")


class ChecklistError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ChecklistResult:
    full_assessment: bool
    a_count: int
    b_count: int
    lines: tuple[str, ...]


def read_scores(scores: Mapping[str, str]) -> dict[Domain, str]:
    """Every domain scored A, B or C; ChecklistError naming the first domain missing or wrongly scored."""
    out = {}
    for domain in Domain:
        value = (scores.get(domain.value) or "").strip().upper()
        if value not in SCORES:
            raise ChecklistError(f"Score {domain.label.lower()} A, B or C", field=f"chc.{domain.value}")
        out[domain] = value
    unknown = set(scores) - {d.value for d in Domain}
    if unknown:
        raise ChecklistError(f"'{sorted(unknown)[0]}' is not a Checklist domain", field="chc")
    return out


def checklist(scores: Mapping[str, str]) -> ChecklistResult:
    """Whether the Checklist calls for a full assessment, with each rule's line of explanation."""
    scored = read_scores(scores)
    a = sum(1 for s in scored.values() if s == "A")
    b = sum(1 for s in scored.values() if s == "B")
    priority_a = [d for d in Domain if d in PRIORITY_DOMAINS and scored[d] == "A"]
    lines = [f"{a} domain{'s' if a != 1 else ''} scored A and {b} scored B."]
    rules = [
        (a >= 2, "Two or more domains scored A"),
        (b >= 5, "Five or more domains scored B"),
        (a == 1 and b >= 4, "One domain scored A and four or more scored B"),
        (bool(priority_a), "A priority domain scored A" + (f" ({', '.join(d.label.lower() for d in priority_a)})" if priority_a else "")),
    ]
    for met, text in rules:
        lines.append(f"{text}: {'yes' if met else 'no'}.")
    needed = any(met for met, _ in rules)
    lines.append(
        "A full assessment for NHS Continuing Healthcare is needed." if needed
        else "A full assessment for NHS Continuing Healthcare is not needed."
    )
    return ChecklistResult(full_assessment=needed, a_count=a, b_count=b, lines=tuple(lines))


class ChcDecision(StrEnum):
    """The multidisciplinary team's decision after a full assessment."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def label(self) -> str:
        return {ChcDecision.ELIGIBLE: "Eligible for NHS Continuing Healthcare", ChcDecision.NOT_ELIGIBLE: "Not eligible"}[self]


class FundingRoute(StrEnum):
    NHS = "nhs"
    COUNCIL = "council"
    JOINT = "joint"
    AWAITING_DECISION = "awaiting_decision"

    @property
    def label(self) -> str:
        return FUNDING_LABELS[self]


FUNDING_LABELS = {
    FundingRoute.NHS: "NHS-funded (continuing healthcare)",
    FundingRoute.COUNCIL: "Council-funded",
    FundingRoute.JOINT: "Jointly funded by the NHS and the council",
    FundingRoute.AWAITING_DECISION: "Awaiting the continuing healthcare decision",
}


@dataclass(frozen=True)
class Funding:
    route: FundingRoute
    lines: tuple[str, ...]


def funding_route(result: ChecklistResult, decision: ChcDecision | str | None = None) -> Funding:
    """Which partner funds the care the assessment finds, from the Checklist and any full-assessment decision.

    - Decided eligible after a full assessment: the NHS funds all of it (continuing healthcare).
    - Full assessment needed, not yet decided: awaiting the decision (care in the meantime is arranged jointly).
    - Otherwise (not needed, or decided not eligible): health needs remain when any domain scored A or B, and
      the care is jointly funded; with every domain scored C the council funds it.
    """
    lines = list(result.lines)
    decision = ChcDecision(decision) if decision else None
    if decision is ChcDecision.ELIGIBLE:
        lines.append("The full assessment found the person eligible: the NHS funds the care.")
        return Funding(FundingRoute.NHS, tuple(lines))
    if result.full_assessment and decision is None:
        lines.append("The full assessment has not been decided yet.")
        return Funding(FundingRoute.AWAITING_DECISION, tuple(lines))
    if decision is ChcDecision.NOT_ELIGIBLE:
        lines.append("The full assessment found the person not eligible for continuing healthcare.")
    if result.a_count or result.b_count:
        lines.append("Some domains scored A or B: health needs remain, so the NHS and the council fund the care jointly.")
        return Funding(FundingRoute.JOINT, tuple(lines))
    lines.append("Every domain scored C: the council funds the care.")
    return Funding(FundingRoute.COUNCIL, tuple(lines))
