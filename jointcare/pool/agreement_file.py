"""A pool as a readable YAML document: parse and validate (errors name the key path), create, export.

The layout is documented with a full example in docs/pool-agreement-file.md.
"""

from __future__ import annotations

from fractions import Fraction

import yaml
from django.db.models import Q

from jointcare.errors import FieldError
from jointcare.money import MoneyError, format_pence, parse_pounds
from jointcare.pool import domain, services
from jointcare.pool.models import Pool

TOP_KEYS = {"pool", "partners", "contributions", "schemes", "risk_share"}


class _Errors:
    def __init__(self):
        self.items: list[dict] = []

    def add(self, path: str, message: str) -> None:
        self.items.append({"field": path, "message": message})


def _money(value, path: str, errors: _Errors, *, allow_zero=True) -> int | None:
    if isinstance(value, float):
        value = f"{value:.2f}" if round(value, 2) == value else str(value)
    try:
        pence = parse_pounds(value if isinstance(value, int) else str(value))
    except MoneyError as exc:
        errors.add(path, str(exc))
        return None
    if pence < 0 or (pence == 0 and not allow_zero):
        errors.add(path, "must be more than zero" if not allow_zero else "must not be negative")
        return None
    return pence


def _percent(value, path: str, errors: _Errors) -> Fraction | None:
    try:
        f = Fraction(str(value).rstrip("%").strip())
    except (ValueError, ZeroDivisionError):
        errors.add(path, f"'{value}' is not a percentage (e.g. 50 or 33.33)")
        return None
    if f < 0 or f > 100:
        errors.add(path, "must be between 0 and 100")
        return None
    return f / 100


def _choice(value, enum, path: str, errors: _Errors):
    try:
        return enum(value)
    except ValueError:
        errors.add(path, f"'{value}' is not one of: {', '.join(e.value for e in enum)}")
        return None


def _find_org(ref: str):
    from jointcare.organisations.models import Organisation

    # Codes are reused (a closed CCG or STP shares its code with today's body): an open organisation is meant.
    matches = list(Organisation.objects.filter(Q(ods_code=ref) | Q(gss_code=ref) | Q(name=ref)).order_by("-active")[:3])
    candidates = [o for o in matches if o.active] or matches
    return candidates[0] if len(candidates) == 1 else None


def _find_agreement(ref):
    from jointcare.partnerships.models import Agreement

    qs = Agreement.objects.filter(pk=ref) if isinstance(ref, int) else Agreement.objects.filter(name=ref)
    found = list(qs[:2])
    return found[0] if len(found) == 1 else None


def load(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FieldError(f"the file is not valid YAML{where}", field="(file)") from None
    if not isinstance(data, dict):
        raise FieldError(
            "the file must be a YAML mapping with pool, partners, contributions, schemes", field="(file)"
        )
    return data


def parse(data: dict) -> services.PoolSpec:
    """Validate an agreement document and resolve it against the database. Raises FieldError listing every
    problem, each naming its key path (e.g. `schemes[2].funders.icb`)."""
    e = _Errors()
    for key in data:
        if key not in TOP_KEYS:
            e.add(str(key), f"unknown key (expected {', '.join(sorted(TOP_KEYS))})")
    for key in ("pool", "partners", "contributions", "schemes"):
        if key not in data:
            e.add(key, "is required")
    pool = data.get("pool") or {}
    if not isinstance(pool, dict):
        e.add("pool", "must be a mapping")
        pool = {}
    for key in ("name", "agreement", "financial_year", "host"):
        if key not in pool:
            e.add(f"pool.{key}", "is required")
    agreement = None
    if "agreement" in pool:
        agreement = _find_agreement(pool["agreement"])
        if agreement is None:
            e.add("pool.agreement", f"no single agreement is named '{pool['agreement']}'")
    year = None
    if "financial_year" in pool:
        try:
            year = domain.parse_financial_year(pool["financial_year"])
        except ValueError as exc:
            e.add("pool.financial_year", str(exc))
    reserve = _money(pool.get("risk_reserve", 0), "pool.risk_reserve", e)
    manager = None
    if pool.get("manager"):
        from jointcare.accounts.models import User

        manager = User.objects.filter(username=pool["manager"]).first()
        if manager is None:
            e.add("pool.manager", f"no user is called '{pool['manager']}'")

    partners: dict[str, object] = {}
    raw_partners = data.get("partners") or {}
    if not isinstance(raw_partners, dict) or not raw_partners:
        e.add(
            "partners", "must map a short key to each partner organisation (ODS or GSS code, or exact name)"
        )
        raw_partners = {}
    for key, ref in raw_partners.items():
        org = _find_org(str(ref))
        if org is None:
            e.add(f"partners.{key}", f"no single organisation has the code or name '{ref}'")
        else:
            partners[str(key)] = org

    def partner(ref, path):
        if ref is None:
            e.add(path, "is required")
            return None
        if str(ref) not in raw_partners:
            e.add(path, f"'{ref}' is not one of the partners ({', '.join(map(str, raw_partners))})")
            return None
        return partners.get(str(ref))

    host = partner(pool.get("host"), "pool.host") if "host" in pool else None

    contributions = []
    raw_contribs = data.get("contributions") or []
    if not isinstance(raw_contribs, list):
        e.add("contributions", "must be a list")
        raw_contribs = []
    for i, c in enumerate(raw_contribs):
        path = f"contributions[{i}]"
        if not isinstance(c, dict):
            e.add(path, "must be a mapping")
            continue
        org = partner(c.get("partner"), f"{path}.partner")
        amount = _money(c.get("amount"), f"{path}.amount", e, allow_zero=False) if "amount" in c else None
        if "amount" not in c:
            e.add(f"{path}.amount", "is required")
        ctype = _choice(c.get("type", "pooled"), domain.ContributionType, f"{path}.type", e)
        form = _choice(c.get("form", "cash"), domain.ContributionForm, f"{path}.form", e)
        schedule = _choice(c.get("schedule", "quarterly"), domain.Schedule, f"{path}.schedule", e)
        custom = []
        if schedule == domain.Schedule.CUSTOM:
            raw = c.get("instalments")
            if not isinstance(raw, dict) or not raw:
                e.add(
                    f"{path}.instalments",
                    "a custom schedule needs instalments: {month number (1 = April): amount}",
                )
            else:
                for month, value in raw.items():
                    if not isinstance(month, int) or not 1 <= month <= 12:
                        e.add(f"{path}.instalments.{month}", "the month must be 1 (April) to 12 (March)")
                        continue
                    pence = _money(value, f"{path}.instalments.{month}", e)
                    if pence is not None:
                        custom.append((month, pence))
                if amount is not None and sum(p for _, p in custom) != amount:
                    e.add(
                        f"{path}.instalments",
                        f"add up to {format_pence(sum(p for _, p in custom))}, not the amount {format_pence(amount)}",
                    )
        if None not in (org, amount, ctype, form, schedule):
            contributions.append(
                services.ContributionSpec(
                    org,
                    amount,
                    ctype.value,
                    form.value,
                    schedule.value,
                    custom,
                    str(c.get("description", "")),
                )
            )

    schemes = []
    codes = set()
    raw_schemes = data.get("schemes") or []
    if not isinstance(raw_schemes, list):
        e.add("schemes", "must be a list")
        raw_schemes = []
    for i, s in enumerate(raw_schemes):
        path = f"schemes[{i}]"
        if not isinstance(s, dict):
            e.add(path, "must be a mapping")
            continue
        for key in ("code", "name", "service_area", "lead", "budget"):
            if key not in s:
                e.add(f"{path}.{key}", "is required")
        code = str(s.get("code", ""))
        if code in codes:
            e.add(f"{path}.code", f"'{code}' is used by another scheme")
        codes.add(code)
        area = (
            _choice(s.get("service_area"), domain.ServiceArea, f"{path}.service_area", e)
            if "service_area" in s
            else None
        )
        lead = partner(s.get("lead"), f"{path}.lead") if "lead" in s else None
        budget = _money(s.get("budget"), f"{path}.budget", e) if "budget" in s else None
        funders = []
        raw_f = s.get("funders") or {}
        if not isinstance(raw_f, dict):
            e.add(f"{path}.funders", "must map partner keys to percentages")
            raw_f = {}
        total = Fraction(0)
        for key, pct in raw_f.items():
            org = partner(key, f"{path}.funders.{key}")
            share = _percent(pct, f"{path}.funders.{key}", e)
            if share is not None:
                total += share
                bp = share * 10000
                if bp.denominator != 1:
                    e.add(f"{path}.funders.{key}", "give the share to at most two decimal places")
                elif org is not None:
                    funders.append((org, int(bp)))
        if raw_f and total != 1:
            e.add(f"{path}.funders", f"shares add up to {float(total * 100):g}%, not 100%")
        if None not in (area, lead, budget) and code:
            schemes.append(services.SchemeSpec(code, str(s["name"]), area.value, lead, budget, funders))

    rs = data.get("risk_share") or {}
    if not isinstance(rs, dict):
        e.add("risk_share", "must be a mapping")
        rs = {}
    for key in rs:
        if key not in {"method", "shares", "caps", "excess_to", "underspend"}:
            e.add(f"risk_share.{key}", "unknown key (expected method, shares, caps, excess_to, underspend)")
    method = _choice(rs.get("method", "pro_rata"), domain.Method, "risk_share.method", e)
    underspend = _choice(
        rs.get("underspend", "return_pro_rata"), domain.Underspend, "risk_share.underspend", e
    )
    fixed: dict[str, str] = {}
    if method == domain.Method.FIXED:
        raw = rs.get("shares")
        if not isinstance(raw, dict) or not raw:
            e.add("risk_share.shares", "fixed shares need a percentage for each partner")
            raw = {}
        total = Fraction(0)
        for key, pct in raw.items():
            org = partner(key, f"risk_share.shares.{key}")
            share = _percent(pct, f"risk_share.shares.{key}", e)
            if share is not None and org is not None:
                fixed[str(org.pk)] = str(share)
                total += share
        if raw and total != 1:
            e.add("risk_share.shares", f"shares add up to {float(total * 100):g}%, not 100%")
    elif rs.get("shares"):
        e.add("risk_share.shares", "shares are only used with method: fixed")
    caps: dict[str, object] = {}
    raw_caps = rs.get("caps") or {}
    if not isinstance(raw_caps, dict):
        e.add("risk_share.caps", "must map partner keys to 'contribution' or an amount")
        raw_caps = {}
    for key, cap in raw_caps.items():
        org = partner(key, f"risk_share.caps.{key}")
        if cap == "contribution":
            value = "contribution"
        else:
            value = _money(cap, f"risk_share.caps.{key}", e)
        if org is not None and value is not None:
            caps[str(org.pk)] = value
    excess_to = partner(rs["excess_to"], "risk_share.excess_to") if rs.get("excess_to") else None

    if e.items:
        first = e.items[0]
        raise FieldError(f"{first['field']}: {first['message']}", errors=e.items)
    return services.PoolSpec(
        agreement=agreement,
        financial_year=year,
        name=str(pool["name"]),
        host=host,
        manager=manager,
        risk_reserve_pence=reserve or 0,
        method=method.value,
        fixed_shares=fixed,
        caps=caps,
        excess_to=excess_to,
        underspend=underspend.value,
        contributions=contributions,
        schemes=schemes,
    )


def create_from_text(actor, text: str) -> Pool:
    return services.create_pool(actor, parse(load(text)))


def _pounds(pence: int) -> str:
    return format_pence(pence, symbol=False).replace(",", "")


def _key(org) -> str:
    return (org.code or org.name).lower().replace(" ", "_")


def export(pool: Pool) -> str:
    """The pool as an agreement document that `create_from_text` reads back (for another agreement or year)."""
    orgs = {}
    for c in pool.contributions.select_related("partner"):
        orgs[c.partner_id] = c.partner
    for s in pool.schemes.select_related("lead"):
        orgs.setdefault(s.lead_id, s.lead)
    orgs.setdefault(pool.host_id, pool.host)
    keys = {pk: _key(o) for pk, o in orgs.items()}
    doc = {
        "pool": {
            "name": pool.name,
            "agreement": pool.agreement.name,
            "financial_year": pool.year_label,
            "host": keys[pool.host_id],
            **({"manager": pool.manager.username} if pool.manager_id else {}),
            "risk_reserve": _pounds(pool.risk_reserve_pence),
        },
        "partners": {keys[pk]: (o.code or o.name) for pk, o in orgs.items()},
        "contributions": [],
        "schemes": [],
        "risk_share": {"method": pool.method, "underspend": pool.underspend},
    }
    for c in pool.contributions.all():
        item = {
            "partner": keys[c.partner_id],
            "amount": _pounds(c.amount_pence),
            "type": c.type,
            "form": c.form,
            "schedule": c.schedule,
        }
        if c.schedule == "custom":
            item["instalments"] = {
                int(k): _pounds(v) for k, v in sorted(c.instalments.items(), key=lambda kv: int(kv[0]))
            }
        if c.description:
            item["description"] = c.description
        doc["contributions"].append(item)
    for s in pool.schemes.prefetch_related("funders"):
        item = {
            "code": s.code,
            "name": s.name,
            "service_area": s.service_area,
            "lead": keys[s.lead_id],
            "budget": _pounds(s.budget_pence),
        }
        funders = {
            keys.get(f.partner_id, str(f.partner_id)): _pct(Fraction(f.share_basis_points, 100))
            for f in s.funders.all()
        }
        if funders:
            item["funders"] = funders
        doc["schemes"].append(item)
    rs = doc["risk_share"]
    if pool.fixed_shares:
        rs["shares"] = {keys[int(k)]: _pct(Fraction(v) * 100) for k, v in pool.fixed_shares.items()}
    if pool.caps:
        rs["caps"] = {
            keys[int(k)]: (v if v == "contribution" else _pounds(int(v))) for k, v in pool.caps.items()
        }
    if pool.excess_to_id:
        rs["excess_to"] = keys[pool.excess_to_id]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _pct(f: Fraction):
    return int(f) if f.denominator == 1 else float(f)
