"""Setting up a pool: its periods, accounts, contributions and schemes, validated as a whole first."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from django.db import transaction

from jointcare.audit.services import record, snapshot
from jointcare.errors import Conflict, FieldError, NotFound
from jointcare.pool import domain
from jointcare.pool.domain import AccountKind
from jointcare.pool.models import Account, Contribution, MonthlyBalance, Period, Pool, Scheme, SchemeFunder


@dataclass
class ContributionSpec:
    partner: object  # Organisation
    amount_pence: int
    type: str = "pooled"
    form: str = "cash"
    schedule: str = "quarterly"
    custom: list[tuple[int, int]] = field(default_factory=list)
    description: str = ""


@dataclass
class SchemeSpec:
    code: str
    name: str
    service_area: str
    lead: object  # Organisation
    budget_pence: int
    funders: list[tuple[object, int]] = field(default_factory=list)  # (Organisation, basis points)


@dataclass
class PoolSpec:
    agreement: object
    financial_year: int
    name: str
    host: object
    manager: object | None = None
    risk_reserve_pence: int = 0
    method: str = "pro_rata"
    fixed_shares: dict = field(default_factory=dict)  # organisation id (str) -> "n/d"
    caps: dict = field(default_factory=dict)  # organisation id (str) -> "contribution" | pence
    excess_to: object | None = None
    underspend: str = "return_pro_rata"
    contributions: list[ContributionSpec] = field(default_factory=list)
    schemes: list[SchemeSpec] = field(default_factory=list)


def partner_label(org) -> str:
    """How an organisation is named in a key path: its ODS or GSS code, else its name."""
    return org.code or org.name


def _cap(value):
    """A stored cap: 'contribution', or pence (JSON may hold them as text); anything else is left for
    validation to report."""
    if isinstance(value, str) and value != "contribution" and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def draft_of(spec: PoolSpec, names: dict | None = None) -> domain.PoolDraft:
    """The pure description of a pool spec, partners keyed by organisation id, for `domain.validate_pool`.
    `names` (organisation id -> label) names partners in key paths; by default their codes."""
    orgs = {c.partner.pk: c.partner for c in spec.contributions}
    for s in spec.schemes:
        orgs.setdefault(s.lead.pk, s.lead)
        for org, _ in s.funders:
            orgs.setdefault(org.pk, org)
    if spec.excess_to is not None:
        orgs.setdefault(spec.excess_to.pk, spec.excess_to)
    labels = {pk: partner_label(org) for pk, org in orgs.items()}
    labels.update(names or {})
    agreement = spec.agreement
    return domain.PoolDraft(
        financial_year=spec.financial_year,
        contributions=[
            domain.ContributionDraft(c.partner.pk, c.amount_pence, c.type, c.schedule, list(c.custom))
            for c in spec.contributions
        ],
        schemes=[
            domain.SchemeDraft(s.code, s.lead.pk, s.budget_pence, [(o.pk, bp) for o, bp in s.funders])
            for s in spec.schemes
        ],
        rule=domain.RiskRule(
            method=domain.Method(spec.method),
            shares={int(k): Fraction(v) for k, v in spec.fixed_shares.items()},
            caps={int(k): _cap(v) for k, v in spec.caps.items()},
            excess_to=spec.excess_to.pk if spec.excess_to is not None else None,
            underspend=domain.Underspend(spec.underspend),
            risk_reserve=spec.risk_reserve_pence,
        ),
        agreement_starts=getattr(agreement, "starts_on", None),
        agreement_ends=getattr(agreement, "ends_on", None),
        names=labels,
    )


def refuse_problems(problems: list[domain.Problem]) -> None:
    """FieldError listing every problem at its key path, if there are any."""
    if problems:
        first = problems[0]
        raise FieldError(f"{first.path}: {first.message}", errors=[p.as_dict() for p in problems])


def _ensure_account(pool: Pool, kind: str, partner=None, scheme=None) -> Account:
    account, created = Account.objects.get_or_create(pool=pool, kind=kind, partner=partner, scheme=scheme)
    if created:
        MonthlyBalance.objects.bulk_create([MonthlyBalance(account=account, period=p) for p in pool.periods.all()])
    return account


@transaction.atomic
def create_pool(actor, spec: PoolSpec, *, names: dict | None = None) -> Pool:
    """Create a pool with its twelve months and accounts, after validating it as a whole
    (`domain.validate_pool`): FieldError lists every problem at its key path and nothing is written."""
    refuse_problems(domain.validate_pool(draft_of(spec, names)))
    if Pool.objects.filter(agreement=spec.agreement, financial_year=spec.financial_year).exists():
        raise Conflict(
            f"{spec.agreement} already has a pool for {domain.financial_year_label(spec.financial_year)}",
            field="pool.financial_year",
        )
    pool = Pool.objects.create(
        agreement=spec.agreement,
        financial_year=spec.financial_year,
        name=spec.name,
        host=spec.host,
        manager=spec.manager,
        risk_reserve_pence=spec.risk_reserve_pence,
        method=spec.method,
        fixed_shares={str(k): str(Fraction(v)) for k, v in spec.fixed_shares.items()},
        caps=spec.caps,
        excess_to=spec.excess_to,
        underspend=spec.underspend,
    )
    Period.objects.bulk_create(
        [Period(pool=pool, number=i, starts_on=m) for i, m in enumerate(domain.period_months(spec.financial_year), 1)]
    )
    for kind in (AccountKind.CASH, AccountKind.VARIANCE, AccountKind.CARRIED_FORWARD, AccountKind.UNCOVERED):
        _ensure_account(pool, kind)
    partners = {}
    for c in spec.contributions:
        Contribution.objects.create(
            pool=pool,
            partner=c.partner,
            amount_pence=c.amount_pence,
            type=c.type,
            form=c.form,
            schedule=c.schedule,
            instalments={str(k): v for k, v in domain.instalments(c.amount_pence, c.schedule, c.custom).items()},
            description=c.description,
        )
        partners[c.partner.pk] = c.partner
    for p in partners.values():
        _ensure_account(pool, AccountKind.CONTRIBUTION, partner=p)
        _ensure_account(pool, AccountKind.PARTNER_BALANCE, partner=p)
    for s in spec.schemes:
        scheme = Scheme.objects.create(
            pool=pool,
            code=s.code,
            name=s.name,
            service_area=s.service_area,
            lead=s.lead,
            budget_pence=s.budget_pence,
        )
        SchemeFunder.objects.bulk_create(
            [SchemeFunder(scheme=scheme, partner=partner, share_basis_points=bp) for partner, bp in s.funders]
        )
        _ensure_account(pool, AccountKind.SPEND, scheme=scheme)
    record(actor, "pool.create", pool, after=snapshot(pool), summary=f"Created pool {pool}")
    return pool


def pool_draft(pool: Pool) -> domain.PoolDraft:
    """The pure description of a pool as stored."""
    contributions = list(pool.contributions.select_related("partner"))
    schemes = list(pool.schemes.select_related("lead").prefetch_related("funders__partner"))
    spec = PoolSpec(
        agreement=pool.agreement,
        financial_year=pool.financial_year,
        name=pool.name,
        host=pool.host,
        risk_reserve_pence=pool.risk_reserve_pence,
        method=pool.method,
        fixed_shares=pool.fixed_shares,
        caps=pool.caps,
        excess_to=pool.excess_to,
        underspend=pool.underspend,
        contributions=[
            ContributionSpec(
                c.partner,
                c.amount_pence,
                c.type,
                c.form,
                c.schedule,
                [(int(k), v) for k, v in c.instalments.items()] if c.schedule == "custom" else [],
            )
            for c in contributions
        ],
        schemes=[
            SchemeSpec(
                s.code, s.name, s.service_area, s.lead, s.budget_pence, [(f.partner, f.share_basis_points) for f in s.funders.all()]
            )
            for s in schemes
        ],
    )
    return draft_of(spec)


def check_pool(pool: Pool) -> list[domain.Problem]:
    """Every problem with a stored pool (none for a pool created through `create_pool`)."""
    return domain.validate_pool(pool_draft(pool))


def account_for(pool: Pool, kind: str, *, partner=None, scheme=None) -> Account:
    try:
        return Account.objects.get(pool=pool, kind=kind, partner=partner, scheme=scheme)
    except Account.DoesNotExist:
        raise NotFound(f"pool {pool} has no {kind} account for {partner or scheme or 'the pool'}") from None
