"""Care Act 2014 eligibility, as the Care and Support (Eligibility Criteria) Regulations 2015 set it out.

Adults (regulation 2): needs are eligible when all three conditions hold:
1. they arise from or are related to a physical or mental impairment or illness;
2. as a result the adult is unable to achieve two or more of the ten specified outcomes;
3. as a consequence there is, or is likely to be, a significant impact on the adult's well-being.

Carers (regulation 3): needs are eligible when all three hold:
1. they arise as a consequence of providing necessary care for an adult;
2. as a result the carer's physical or mental health is, or is at risk of, deteriorating, or the carer is unable
   to achieve any of the eight specified outcomes;
3. as a consequence there is, or is likely to be, a significant impact on the carer's well-being.

"Unable to achieve" an outcome includes achieving it only with assistance; without assistance but with
significant pain, distress or anxiety; without assistance but endangering the health or safety of the person
or others; or without assistance but taking significantly longer than would normally be expected.

Every decision comes with its explanation, one line per condition and outcome, as shown on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class AdultOutcome(StrEnum):
    NUTRITION = "nutrition"
    HYGIENE = "hygiene"
    TOILET = "toilet"
    CLOTHED = "clothed"
    HOME_SAFELY = "home_safely"
    HABITABLE_HOME = "habitable_home"
    RELATIONSHIPS = "relationships"
    WORK = "work"
    COMMUNITY = "community"
    CARING_FOR_CHILD = "caring_for_child"

    @property
    def label(self) -> str:
        return ADULT_OUTCOME_LABELS[self]


ADULT_OUTCOME_LABELS = {
    AdultOutcome.NUTRITION: "Managing and maintaining nutrition",
    AdultOutcome.HYGIENE: "Maintaining personal hygiene",
    AdultOutcome.TOILET: "Managing toilet needs",
    AdultOutcome.CLOTHED: "Being appropriately clothed",
    AdultOutcome.HOME_SAFELY: "Being able to make use of the home safely",
    AdultOutcome.HABITABLE_HOME: "Maintaining a habitable home environment",
    AdultOutcome.RELATIONSHIPS: "Developing and maintaining family or other personal relationships",
    AdultOutcome.WORK: "Accessing and engaging in work, training, education or volunteering",
    AdultOutcome.COMMUNITY: "Making use of necessary facilities or services in the local community, "
    "including public transport and recreational facilities or services",
    AdultOutcome.CARING_FOR_CHILD: "Carrying out any caring responsibilities for a child",
}


class CarerOutcome(StrEnum):
    CARING_FOR_CHILD = "caring_for_child"
    CARING_FOR_OTHERS = "caring_for_others"
    HABITABLE_HOME = "habitable_home"
    NUTRITION = "nutrition"
    RELATIONSHIPS = "relationships"
    WORK = "work"
    COMMUNITY = "community"
    RECREATION = "recreation"

    @property
    def label(self) -> str:
        return CARER_OUTCOME_LABELS[self]


CARER_OUTCOME_LABELS = {
    CarerOutcome.CARING_FOR_CHILD: "Carrying out any caring responsibilities for a child",
    CarerOutcome.CARING_FOR_OTHERS: "Providing care to other persons for whom the carer provides care",
    CarerOutcome.HABITABLE_HOME: "Maintaining a habitable home environment",
    CarerOutcome.NUTRITION: "Managing and maintaining nutrition",
    CarerOutcome.RELATIONSHIPS: "Developing and maintaining family or other personal relationships",
    CarerOutcome.WORK: "Engaging in work, training, education or volunteering",
    CarerOutcome.COMMUNITY: "Making use of necessary facilities or services in the local community",
    CarerOutcome.RECREATION: "Engaging in recreational activities",
}


class Ability(StrEnum):
    """How the person achieves an outcome. Every answer but ACHIEVES means "unable to achieve" it."""

    ACHIEVES = "achieves"
    ONLY_WITH_ASSISTANCE = "only_with_assistance"
    SIGNIFICANT_PAIN = "significant_pain"
    ENDANGERS = "endangers"
    SIGNIFICANTLY_LONGER = "significantly_longer"

    @property
    def label(self) -> str:
        return ABILITY_LABELS[self]


ABILITY_LABELS = {
    Ability.ACHIEVES: "Achieves it without help",
    Ability.ONLY_WITH_ASSISTANCE: "Only with assistance",
    Ability.SIGNIFICANT_PAIN: "Without assistance, but with significant pain, distress or anxiety",
    Ability.ENDANGERS: "Without assistance, but endangering their or others' health or safety",
    Ability.SIGNIFICANTLY_LONGER: "Without assistance, but taking significantly longer than expected",
}


class EligibilityError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Decision:
    eligible: bool
    unable: tuple[str, ...]  # the outcomes the person cannot achieve
    lines: tuple[str, ...]  # the explanation, in order: each condition, each outcome not achieved, the result


def _flag(answers: Mapping, key: str, question: str, prefix: str) -> bool:
    value = answers.get(key)
    if not isinstance(value, bool):
        raise EligibilityError(f"Answer: {question}", field=f"{prefix}{key}")
    return value


def _abilities(answers: Mapping, outcomes, prefix: str) -> dict:
    given = answers.get("outcomes") or {}
    if not isinstance(given, Mapping):
        raise EligibilityError("Answer how each outcome is achieved", field=f"{prefix}outcomes")
    unknown = set(given) - {o.value for o in outcomes}
    if unknown:
        raise EligibilityError(f"'{sorted(unknown)[0]}' is not one of the outcomes", field=f"{prefix}outcomes")
    out = {}
    for outcome in outcomes:
        value = given.get(outcome.value)
        try:
            out[outcome] = Ability(value)
        except ValueError:
            raise EligibilityError(
                f"Answer how they achieve: {outcome.label.lower()}", field=f"{prefix}outcomes.{outcome.value}"
            ) from None
    return out


def _yes(value: bool) -> str:
    return "met" if value else "not met"


def adult(answers: Mapping) -> Decision:
    """Regulation 2. `answers`: impairment (bool), wellbeing (bool), outcomes {AdultOutcome: Ability}."""
    impairment = _flag(answers, "impairment", "do the needs arise from a physical or mental impairment or illness?", "")
    abilities = _abilities(answers, AdultOutcome, "")
    wellbeing = _flag(answers, "wellbeing", "is there, or is there likely to be, a significant impact on well-being?", "")
    unable = [o for o, a in abilities.items() if a is not Ability.ACHIEVES]
    enough = len(unable) >= 2
    lines = [
        f"Condition 1, needs arise from a physical or mental impairment or illness: {_yes(impairment)}.",
        f"Condition 2, unable to achieve two or more of the ten outcomes: {_yes(enough)} "
        f"({len(unable)} of 10 not achieved).",
    ]
    lines += [f"Not achieved: {o.label} ({abilities[o].label.lower()})." for o in unable]
    lines.append(f"Condition 3, a significant impact on well-being, now or likely: {_yes(wellbeing)}.")
    eligible = impairment and enough and wellbeing
    lines.append(_verdict(eligible, impairment, enough, wellbeing, "The adult"))
    return Decision(eligible=eligible, unable=tuple(o.value for o in unable), lines=tuple(lines))


def carer(answers: Mapping) -> Decision:
    """Regulation 3. `answers`: necessary_care (bool), health_at_risk (bool), wellbeing (bool),
    outcomes {CarerOutcome: Ability}."""
    p = "carer."
    necessary = _flag(answers, "necessary_care", "do the needs arise from providing necessary care for an adult?", p)
    health = _flag(answers, "health_at_risk", "is the carer's physical or mental health deteriorating, or at risk of it?", p)
    abilities = _abilities(answers, CarerOutcome, p)
    wellbeing = _flag(answers, "wellbeing", "is there, or is there likely to be, a significant impact on the carer's well-being?", p)
    unable = [o for o, a in abilities.items() if a is not Ability.ACHIEVES]
    effect = health or bool(unable)
    lines = [
        f"Condition 1, needs arise from providing necessary care for an adult: {_yes(necessary)}.",
        f"Condition 2, the carer's health is deteriorating or at risk, or they cannot achieve any of the eight "
        f"outcomes: {_yes(effect)} (health {'at risk' if health else 'not at risk'}; {len(unable)} of 8 not achieved).",
    ]
    lines += [f"Not achieved: {o.label} ({abilities[o].label.lower()})." for o in unable]
    lines.append(f"Condition 3, a significant impact on the carer's well-being, now or likely: {_yes(wellbeing)}.")
    eligible = necessary and effect and wellbeing
    lines.append(_verdict(eligible, necessary, effect, wellbeing, "The carer"))
    return Decision(eligible=eligible, unable=tuple(o.value for o in unable), lines=tuple(lines))


def _verdict(eligible: bool, c1: bool, c2: bool, c3: bool, who: str) -> str:
    if eligible:
        return f"{who} has eligible needs: all three conditions are met."
    failed = [str(n) for n, met in ((1, c1), (2, c2), (3, c3)) if not met]
    which = "condition " + failed[0] if len(failed) == 1 else "conditions " + ", ".join(failed[:-1]) + " and " + failed[-1]
    return f"{who} does not have eligible needs: {which} {'is' if len(failed) == 1 else 'are'} not met."
