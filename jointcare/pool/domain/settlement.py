"""The year-end risk share as a pure function whose every step is a line of explanation, and its postings.

Partners are identified by an opaque key (the services use organisation ids); names are only for the text,
so two organisations with the same name are never merged.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from jointcare.money import format_pence, split_largest_remainder
from jointcare.pool.domain.vocabulary import AccountKind, Method, Underspend


class RuleError(ValueError):
    """A risk-share rule is not complete or not consistent."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pool, at a key path of its agreement file (e.g. `risk_share.excess_to`)."""

    path: str
    message: str
    code: str = ""  # what kind of problem, for callers that filter: "not_contributing", "totals"

    def as_dict(self) -> dict:
        return {"field": self.path, "message": self.message}


@dataclass(frozen=True)
class SchemeResult:
    key: str
    name: str
    lead: Hashable
    budget: int
    outturn: int

    @property
    def variance(self) -> int:
        return self.outturn - self.budget


@dataclass(frozen=True)
class RiskRule:
    method: Method = Method.PRO_RATA
    shares: Mapping[Hashable, Fraction] = field(default_factory=dict)  # for FIXED: partner -> share (sum 1)
    caps: Mapping[Hashable, int | str] = field(default_factory=dict)  # partner -> pence or "contribution"
    excess_to: Hashable | None = None  # partner bearing what the caps stop others bearing
    underspend: Underspend = Underspend.RETURN_PRO_RATA
    risk_reserve: int = 0


def _percent(f: Fraction) -> str:
    value = f * 100
    return f"{value.numerator}%" if value.denominator == 1 else f"{float(value):.4g}%"


def check_rule(
    rule: RiskRule,
    contributions: Mapping[Hashable, int],
    schemes: Sequence[SchemeResult] = (),
    names: Mapping[Hashable, str] | None = None,
) -> list[Problem]:
    """Everything wrong with a risk-share rule for these pooled contributions, each at its key path. Every
    partner the rule names (fixed shares, caps, the partner taking the excess over caps, and under the
    lead-commissioner method or no risk share each scheme's lead) must be a contributing partner: one with
    pooled money in the pool."""
    names = names or {}

    def name(p) -> str:
        return str(names.get(p, p))

    contributing = {p for p, amount in contributions.items() if amount > 0}
    who = ", ".join(sorted(name(p) for p in contributing)) or "none"
    problems: list[Problem] = []

    def must_contribute(partner, path: str, role: str) -> bool:
        if partner in contributing:
            return True
        problems.append(
            Problem(
                path,
                f"{name(partner)} is named as {role} but pays nothing into the pool (contributing: {who})",
                "not_contributing",
            )
        )
        return False

    if rule.method == Method.FIXED:
        if not rule.shares:
            problems.append(Problem("risk_share.shares", "fixed shares need a percentage for each partner"))
        for partner, share in rule.shares.items():
            path = f"risk_share.shares.{name(partner)}"
            if must_contribute(partner, path, "having a fixed share") and share < 0:
                problems.append(Problem(path, "a share must not be negative"))
        total = sum((Fraction(s) for s in rule.shares.values()), Fraction(0))
        if rule.shares and total != 1:
            problems.append(Problem("risk_share.shares", f"shares add up to {_percent(total)}, not 100%"))
    elif rule.shares:
        problems.append(Problem("risk_share.shares", "shares are only used with method: fixed"))
    for partner, cap in rule.caps.items():
        path = f"risk_share.caps.{name(partner)}"
        if must_contribute(partner, path, "having a cap") and cap != "contribution":
            if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
                problems.append(Problem(path, "a cap is 'contribution' or an amount that is not negative"))
    if rule.excess_to is not None:
        must_contribute(rule.excess_to, "risk_share.excess_to", "taking the excess over caps")
    if rule.risk_reserve < 0:
        problems.append(Problem("pool.risk_reserve", "the risk reserve must not be negative"))
    if rule.method in (Method.LEAD_COMMISSIONER, Method.NONE):
        role = "lead commissioner, who bears its variance under this method,"
        for i, s in enumerate(schemes):
            must_contribute(s.lead, f"schemes[{i}].lead", role)
    return problems


@dataclass
class Line:
    text: str
    amount: int | None = None
    partner: Hashable | None = None

    def as_dict(self, names: Mapping[Hashable, str] | None = None) -> dict:
        return {
            "text": self.text,
            "amount_pence": self.amount,
            "partner_id": self.partner,
            "partner": None if self.partner is None else str((names or {}).get(self.partner, self.partner)),
        }


@dataclass
class RiskShareResult:
    net_variance: int  # outturn minus budget across all schemes (+ overspend)
    reserve: int
    reserve_drawn: int
    shares: dict  # partner -> + pays more, - receives back
    carried_forward: int
    uncovered: int  # overspend beyond every cap with no one named to take it
    lines: list[Line]

    @property
    def to_settle(self) -> int:
        """What the partners settle between them: the net variance less the risk reserve."""
        return self.net_variance - self.reserve

    def check(self) -> None:
        total = sum(self.shares.values()) + self.uncovered - self.carried_forward
        if total != self.to_settle:
            raise AssertionError(f"risk share does not add up: {total} != {self.to_settle}")

    def as_dict(self, names: Mapping[Hashable, str] | None = None) -> dict:
        names = names or {}
        return {
            "net_variance_pence": self.net_variance,
            "risk_reserve_pence": self.reserve,
            "reserve_drawn_pence": self.reserve_drawn,
            "to_settle_pence": self.to_settle,
            "shares": [
                {"partner_id": p, "partner": str(names.get(p, p)), "amount_pence": amount}
                for p, amount in self.shares.items()
            ],
            "carried_forward_pence": self.carried_forward,
            "uncovered_pence": self.uncovered,
            "lines": [line.as_dict(names) for line in self.lines],
        }


def _money(p: int) -> str:
    return format_pence(p)


def _split(total: int, partners: Sequence, weights: Mapping) -> dict:
    parts = split_largest_remainder(total, [Fraction(weights.get(p, 0)) for p in partners])
    return dict(zip(partners, parts, strict=True))


def risk_share(
    schemes: Sequence[SchemeResult],
    contributions: Mapping[Hashable, int],
    rule: RiskRule,
    names: Mapping[Hashable, str] | None = None,
) -> RiskShareResult:
    """Share the year's net variance between partners, explained line by line.

    `contributions` maps every partner to its pooled contributions (0 for a partner with only aligned money);
    `names` gives the partners' display names for the explanation.

    1. Net over- and underspends across schemes.
    2. An overspend draws on the risk reserve first (method NONE does not: each partner bears its own).
    3. What remains is shared by the rule; each partner's overspend share is capped, with the excess to the
       named partner. An underspend (including any unused reserve) is returned or carried forward.
    """
    names = names or {}

    def nm(p) -> str:
        return str(names.get(p, p))

    partners = list(contributions)
    if not partners:
        raise RuleError("a pool needs at least one partner")
    problems = check_rule(rule, contributions, schemes, names)
    if problems:
        raise RuleError(f"{problems[0].path}: {problems[0].message}", problems)

    def weights_desc(weights: Mapping) -> str:
        total = sum(Fraction(weights.get(p, 0)) for p in partners)
        return ", ".join(f"{nm(p)} {float(Fraction(weights.get(p, 0)) / total) * 100:.2f}%" for p in partners)

    lines: list[Line] = []
    for s in schemes:
        word = "overspend" if s.variance > 0 else "underspend" if s.variance < 0 else "on budget"
        lines.append(
            Line(
                f"{s.name}: budget {_money(s.budget)}, outturn {_money(s.outturn)}, {word} {_money(abs(s.variance))}",
                s.variance,
            )
        )
    net = sum(s.variance for s in schemes)
    lines.append(
        Line(f"Net variance across schemes: {_money(net)} ({'overspend' if net > 0 else 'underspend'})", net)
    )
    reserve = rule.risk_reserve
    shares = {p: 0 for p in partners}
    contrib_weights = {p: contributions[p] for p in partners}
    if sum(contrib_weights.values()) == 0:
        contrib_weights = {p: 1 for p in partners}
    caps = {p: (contributions[p] if c == "contribution" else int(c)) for p, c in rule.caps.items()}
    carried = 0
    uncovered = 0
    drawn = 0

    def share_weights() -> dict:
        if rule.method == Method.FIXED:
            return {p: Fraction(rule.shares.get(p, 0)) for p in partners}
        return contrib_weights

    def apply_caps(weights: Mapping) -> int:
        """Limit each partner's overspend share to its cap. The excess goes to `excess_to` when named; otherwise
        it is re-shared by the same weights among partners below their caps, repeatedly. Returns what nobody can
        take."""
        excess = 0
        for p in partners:
            cap = caps.get(p)
            if cap is not None and shares[p] > cap:
                over = shares[p] - cap
                lines.append(Line(f"{nm(p)}'s share is capped at {_money(cap)}; {_money(over)} above the cap", -over, p))
                shares[p] = cap
                excess += over
        if not excess:
            return 0
        if rule.excess_to is not None:
            shares[rule.excess_to] += excess
            lines.append(
                Line(f"The excess over caps, {_money(excess)}, falls to {nm(rule.excess_to)}", excess, rule.excess_to)
            )
            return 0
        while excess:
            open_ = [p for p in partners if weights.get(p, 0) and (caps.get(p) is None or shares[p] < caps[p])]
            if not open_:
                lines.append(Line(f"{_money(excess)} is beyond every partner's cap: met from outside the pool", excess))
                return excess
            parts = _split(excess, open_, weights)
            excess = 0
            for p in open_:
                room = None if caps.get(p) is None else caps[p] - shares[p]
                take = parts[p] if room is None else min(parts[p], room)
                shares[p] += take
                excess += parts[p] - take
                if take:
                    lines.append(Line(f"{nm(p)} takes {_money(take)} of the excess over caps", take, p))
        return 0

    def settle_underspend(amount: int, what: str) -> None:
        nonlocal carried
        if amount <= 0:
            return
        if rule.underspend == Underspend.CARRY_FORWARD:
            carried += amount
            lines.append(Line(f"{what} {_money(amount)} is carried forward in the pool", -amount))
            return
        weights = contrib_weights if rule.underspend == Underspend.RETURN_PRO_RATA else share_weights()
        basis = "pro rata to contributions" if rule.underspend == Underspend.RETURN_PRO_RATA else "by the agreed shares"
        lines.append(Line(f"{what} {_money(amount)} is returned {basis} ({weights_desc(weights)})", -amount))
        for p, part in _split(amount, partners, weights).items():
            shares[p] -= part
            lines.append(Line(f"{nm(p)} receives {_money(part)}", -part, p))

    if rule.method == Method.NONE:
        lines.append(Line("No risk share: each partner bears the variance on the schemes it commissions"))
        own = {p: 0 for p in partners}
        for s in schemes:
            own[s.lead] += s.variance
        for p in partners:
            if own[p] > 0:
                shares[p] += own[p]
                lines.append(Line(f"{nm(p)} bears the net overspend on its schemes, {_money(own[p])}", own[p], p))
        # No re-sharing between partners: what a cap stops goes to the named partner or outside the pool.
        uncovered = apply_caps({})
        for p in partners:
            if own[p] < 0:
                if rule.underspend == Underspend.CARRY_FORWARD:
                    carried += -own[p]
                    lines.append(Line(f"{nm(p)}'s net underspend {_money(-own[p])} is carried forward", own[p], p))
                else:
                    shares[p] += own[p]
                    lines.append(
                        Line(f"{nm(p)} is returned the net underspend on its schemes, {_money(-own[p])}", own[p], p)
                    )
        settle_underspend(reserve, "The risk reserve, not drawn under no risk share,")
    elif net > 0:
        drawn = min(reserve, net)
        if reserve:
            lines.append(Line(f"Draw {_money(drawn)} from the risk reserve of {_money(reserve)}", -drawn))
        remaining = net - drawn
        if remaining:
            if rule.method == Method.LEAD_COMMISSIONER:
                weights: dict = {p: 0 for p in partners}
                for s in schemes:
                    if s.variance > 0:
                        weights[s.lead] += s.variance
                lines.append(
                    Line(
                        f"Share {_money(remaining)} between the lead commissioners of the overspending schemes, "
                        f"in proportion to those overspends ({weights_desc(weights)})",
                        remaining,
                    )
                )
            else:
                weights = share_weights()
                basis = "pro rata to contributions" if rule.method == Method.PRO_RATA else "by fixed shares"
                lines.append(Line(f"Share {_money(remaining)} {basis} ({weights_desc(weights)})", remaining))
            for p, part in _split(remaining, partners, weights).items():
                shares[p] += part
                lines.append(Line(f"{nm(p)} bears {_money(part)}", part, p))
            uncovered = apply_caps(weights)
        settle_underspend(reserve - drawn, "The unused risk reserve")
    else:
        if reserve:
            lines.append(Line("The risk reserve is not needed"))
        settle_underspend(-net, "The net underspend")
        settle_underspend(reserve, "The unused risk reserve")
    result = RiskShareResult(net, reserve, drawn, shares, carried, uncovered, lines)
    for p in partners:
        if shares[p]:
            word = "pays" if shares[p] > 0 else "receives"
            lines.append(Line(f"Result: {nm(p)} {word} {_money(abs(shares[p]))}", shares[p], p))
    result.check()
    return result


def settlement_postings(result: RiskShareResult) -> list[tuple[str, Hashable | None, int]]:
    """Ledger postings for a settlement as (account kind, partner or None, amount), balanced by the variance
    account. Partner balances: + the partner owes the pool, - the pool owes the partner."""
    postings: list[tuple[str, Hashable | None, int]] = []
    for partner, amount in result.shares.items():
        if amount:
            postings.append((AccountKind.PARTNER_BALANCE, partner, amount))
    if result.carried_forward:
        postings.append((AccountKind.CARRIED_FORWARD, None, -result.carried_forward))
    if result.uncovered:
        postings.append((AccountKind.UNCOVERED, None, result.uncovered))
    total = sum(a for _, _, a in postings)
    if total:
        postings.append((AccountKind.VARIANCE, None, -total))
    return postings
