"""Demo pooled budgets: last financial year (settled and closed) and this one (in progress), with realistic
volumes of synthetic payments, all written through the pool services.

`build_demo_pools(agreement, users)` is called by the partnership demo. `users` maps role values to users.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from jointcare.money import split_largest_remainder
from jointcare.pool import domain, services
from jointcare.pool.domain import AccountKind, TransactionKind
from jointcare.pool.models import Pool

POUND = 100

# (code, name, service area, lead: "council"|"nhs", budget in pounds, NHS share %, spend factor last year,
#  spend factor this year, payments a month)
SCHEMES = [
    ("REAB", "Reablement at home", "reablement", "council", 2_400_000, 60, 1.06, 1.04, 160),
    ("HOME", "Home care after hospital discharge", "home_care", "council", 4_800_000, 55, 1.09, 1.07, 320),
    (
        "EQUIP",
        "Integrated community equipment service",
        "community_equipment",
        "nhs",
        1_600_000,
        50,
        0.97,
        1.00,
        110,
    ),
    ("DFG", "Disabled facilities grants", "housing_adaptations", "council", 2_100_000, 0, 0.93, 0.95, 40),
    (
        "MATRON",
        "Community matrons for complex cases",
        "community_matrons",
        "nhs",
        1_900_000,
        100,
        1.00,
        1.01,
        25,
    ),
    ("CARERS", "Carers' breaks and support", "carers", "council", 800_000, 40, 0.96, 0.98, 90),
    ("ICARE", "Intermediate care beds", "intermediate_care", "nhs", 3_200_000, 70, 1.02, 1.05, 60),
    ("SWGP", "Social workers in general practice", "other", "council", 900_000, 50, 1.00, 0.99, 15),
]

SUPPLIERS = [
    "Carrington Moss Home Care Ltd (synthetic)",
    "Stamford Brook Care Homes Ltd (synthetic)",
    "Sale Water Carers' Circle (synthetic)",
    "Partington Good Neighbours (synthetic)",
    "Dunham Reach Homes (synthetic)",
    "Trafford Vale Community Health NHS Trust (synthetic)",
    "Altrincham Mobility Aids (synthetic)",
    "Urmston Adaptations Co-operative (synthetic)",
]


def _partners(agreement):
    parties = list(agreement.parties.select_related("organisation"))
    host = next((p.organisation for p in parties if p.role == "host"), parties[0].organisation)
    nhs = [p.organisation for p in parties if p.organisation.sector == "nhs" and p.organisation_id != host.pk]
    preferred = [o for o in nhs if o.kind == "icb"] or nhs or [host]
    return host, preferred[0]


def _spec(agreement, year: int, host, nhs, manager) -> services.PoolSpec:
    council_total = sum(b * (100 - share) // 100 for _, _, _, _, b, share, *_ in SCHEMES)
    nhs_total = sum(b * share // 100 for _, _, _, _, b, share, *_ in SCHEMES)
    reserve = 500_000
    schemes = []
    for code, name, area, lead, budget, share, *_ in SCHEMES:
        funders = []
        if share:
            funders.append((nhs, share * 100))
        if share < 100:
            funders.append((host, (100 - share) * 100))
        schemes.append(
            services.SchemeSpec(code, name, area, host if lead == "council" else nhs, budget * POUND, funders)
        )
    return services.PoolSpec(
        agreement=agreement,
        financial_year=year,
        name="Better Care Fund pooled budget",
        host=host,
        manager=manager,
        risk_reserve_pence=reserve * POUND,
        method="pro_rata",
        caps={str(host.pk): "contribution", str(nhs.pk): "contribution"},
        excess_to=nhs,
        underspend="return_pro_rata",
        contributions=[
            services.ContributionSpec(
                nhs,
                (nhs_total + reserve * 6 // 10) * POUND,
                "pooled",
                "cash",
                "monthly",
                description="NHS minimum contribution",
            ),
            services.ContributionSpec(
                host,
                (council_total + reserve * 4 // 10) * POUND,
                "pooled",
                "cash",
                "quarterly",
                description="Council contribution including the disabled facilities grant",
            ),
            services.ContributionSpec(
                host,
                350_000 * POUND,
                "aligned",
                "in_kind",
                "custom",
                [(1, 350_000 * POUND)],
                description="Social work staff time (aligned, not pooled)",
            ),
        ],
        schemes=schemes,
    )


def _payments(pool: Pool, through: int, this_year: bool, rng: random.Random) -> list[services.Entry]:
    cash = services.account_for(pool, AccountKind.CASH).pk
    months = domain.period_months(pool.financial_year)
    entries = []
    for scheme in pool.schemes.order_by("code"):
        row = next(r for r in SCHEMES if r[0] == scheme.code)
        factor, per_month = row[7] if this_year else row[6], row[8]
        spend = services.account_for(pool, AccountKind.SPEND, scheme=scheme).pk
        monthly = split_largest_remainder(int(scheme.budget_pence * factor), [1] * 12)
        for m in range(through):
            # seasonal: winter months cost more
            target = monthly[m] * (110 if m in (8, 9, 10) else 97) // 100
            n = max(1, per_month + rng.randint(-per_month // 10, per_month // 10))
            amounts = split_largest_remainder(target, [rng.randint(50, 150) for _ in range(n)])
            start = months[m]
            for i, amount in enumerate(amounts):
                if amount <= 0:
                    continue
                day = start + dt.timedelta(days=rng.randint(0, 27))
                ref = f"{pool.financial_year}-{scheme.code}-{m + 1:02d}-{i:04d}"
                entries.append(
                    services.Entry(
                        key=f"actual:{ref}",
                        value_date=day,
                        postings=[(spend, amount), (cash, -amount)],
                        reason=f"{SUPPLIERS[rng.randrange(len(SUPPLIERS))]} – {scheme.name}",
                        kind=TransactionKind.ACTUAL,
                        reference=ref,
                    )
                )
    return entries


def _commitments(pool: Pool, from_month: int, rng: random.Random) -> list[tuple]:
    rows = []
    for scheme in pool.schemes.order_by("code"):
        factor = next(r for r in SCHEMES if r[0] == scheme.code)[7]
        monthly = int(scheme.budget_pence * factor) // 12
        for m in range(from_month, 13):
            packages = split_largest_remainder(monthly, [rng.randint(80, 120) for _ in range(20)])
            for i, amount in enumerate(packages):
                rows.append((scheme, m, amount, "care-packages", f"{scheme.code}-PKG-{i:03d}"))
    return rows


def build_demo_pools(agreement, users: dict) -> list[Pool]:
    """Pools for last financial year (settled, every month closed) and this one (every month before the last
    complete one closed)."""
    finance = users.get("finance_officer")
    commissioner = users.get("commissioner") or finance
    host, nhs = _partners(agreement)
    today = timezone.localdate()
    this_year = domain.financial_year_of(today)
    rng = random.Random(2026)
    pools = []
    for year in (this_year - 1, this_year):
        existing = Pool.objects.filter(agreement=agreement, financial_year=year).first()
        if existing is not None:
            pools.append(existing)
            continue
        pool = services.create_pool(commissioner, _spec(agreement, year, host, nhs, finance))
        current = year == this_year
        through = domain.period_number(year, today) - 1 if current else 12
        services.post_transactions_bulk(
            finance, pool, services.contribution_entries(pool, max(through, 1)), "demo"
        )
        services.post_transactions_bulk(finance, pool, _payments(pool, through, current, rng), "demo")
        if current:
            services.create_commitments_bulk(finance, pool, _commitments(pool, through + 1, rng))
            scheme = pool.schemes.get(code="HOME")
            services.create_commitment(
                finance,
                scheme,
                domain.period_months(year)[min(through, 11)],
                4_250_000,
                "care-packages",
                "HOME-NEW-001",
            )
            for number in range(1, through):
                services.close_period(finance, pool, number)
        else:
            for number in range(1, 12):
                services.close_period(finance, pool, number)
            services.settle_pool(finance, pool)  # closes March
        pools.append(pool)
    return pools
