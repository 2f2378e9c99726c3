"""A pool as a readable YAML document: parse and validate (errors name the key path), create, export.

The layout is documented with a full example in docs/pool-agreement-file.md. Parsing checks the document's
shape (keys, types, amounts, partner keys); the pool itself is then validated as a whole by
`domain.validate_pool`, the same function `services.create_pool` runs, so every problem is reported at its key
path in one go. Export writes a document that parses back to the same pool (fractions exactly).
"""

from __future__ import annotations

import dataclasses
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

    def under(self, *prefixes: str) -> bool:
        return any(i["field"] == p or i["field"].startswith((p + ".", p + "[")) for i in self.items for p in prefixes)


def _money(value, path: str, errors: _Errors) -> int | None:
    """Pounds (a number or text such as '1,234.56') as pence; signs and bounds are checked with the pool."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        errors.add(path, f"'{value}' is not an amount of money (use pounds with up to two decimals, e.g. 1234.56)")
        return None
    if isinstance(value, float):
        value = f"{value:.2f}" if round(value, 2) == value else str(value)
    try:
        return parse_pounds(value if isinstance(value, int) else str(value))
    except MoneyError as exc:
        errors.add(path, str(exc))
        return None


def _percent(value, path: str, errors: _Errors) -> Fraction | None:
    """A percentage: 50, 33.33, '12.5%' or an exact fraction such as '100/3'; returned as a share (0..1)."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        errors.add(path, f"'{value}' is not a percentage (e.g. 50, 33.33 or 100/3)")
        return None
    try:
        f = Fraction(str(value).rstrip("%").strip())
    except (ValueError, ZeroDivisionError):
        errors.add(path, f"'{value}' is not a percentage (e.g. 50, 33.33 or 100/3)")
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

    matches = list(Organisation.objects.filter(Q(ods_code=ref) | Q(gss_code=ref) | Q(name=ref))[:2])
    return matches[0] if len(matches) == 1 else None


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
        e.add("partners", "must map a short key to each partner organisation (ODS or GSS code, or exact name)")
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
        if "amount" not in c:
            e.add(f"{path}.amount", "is required")
        amount = _money(c.get("amount"), f"{path}.amount", e) if "amount" in c else None
        ctype = _choice(c.get("type", "pooled"), domain.ContributionType, f"{path}.type", e)
        form = _choice(c.get("form", "cash"), domain.ContributionForm, f"{path}.form", e)
        schedule = _choice(c.get("schedule", "quarterly"), domain.Schedule, f"{path}.schedule", e)
        custom = []
        if schedule == domain.Schedule.CUSTOM:
            raw = c.get("instalments")
            if raw is not None and not isinstance(raw, dict):
                e.add(f"{path}.instalments", "must map month numbers (1 = April) to amounts")
            for month, value in (raw if isinstance(raw, dict) else {}).items():
                if isinstance(month, bool) or not isinstance(month, int):
                    e.add(f"{path}.instalments.{month}", "the month must be 1 (April) to 12 (March)")
                    continue
                pence = _money(value, f"{path}.instalments.{month}", e)
                if pence is not None:
                    custom.append((month, pence))
        if None not in (org, amount, ctype, form, schedule):
            contributions.append(
                services.ContributionSpec(
                    org, amount, ctype.value, form.value, schedule.value, custom, str(c.get("description", ""))
                )
            )

    schemes = []
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
        for key, pct in raw_f.items():
            org = partner(key, f"{path}.funders.{key}")
            share = _percent(pct, f"{path}.funders.{key}", e)
            if share is not None:
                bp = share * domain.BASIS_POINTS
                if bp.denominator != 1:
                    e.add(f"{path}.funders.{key}", "give the share to at most two decimal places")
                elif org is not None:
                    funders.append((org, int(bp)))
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
    underspend = _choice(rs.get("underspend", "return_pro_rata"), domain.Underspend, "risk_share.underspend", e)
    fixed: dict[str, str] = {}
    raw = rs.get("shares") or {}
    if not isinstance(raw, dict):
        e.add("risk_share.shares", "must map partner keys to percentages")
        raw = {}
    for key, pct in raw.items():
        org = partner(key, f"risk_share.shares.{key}")
        share = _percent(pct, f"risk_share.shares.{key}", e)
        if share is not None and org is not None:
            fixed[str(org.pk)] = str(share)
    caps: dict[str, object] = {}
    raw_caps = rs.get("caps") or {}
    if not isinstance(raw_caps, dict):
        e.add("risk_share.caps", "must map partner keys to 'contribution' or an amount")
        raw_caps = {}
    for key, cap in raw_caps.items():
        org = partner(key, f"risk_share.caps.{key}")
        value = "contribution" if cap == "contribution" else _money(cap, f"risk_share.caps.{key}", e)
        if org is not None and value is not None:
            caps[str(org.pk)] = value
    excess_to = partner(rs["excess_to"], "risk_share.excess_to") if rs.get("excess_to") else None

    spec = services.PoolSpec(
        agreement=agreement,
        financial_year=year if year is not None else 0,
        name=str(pool.get("name", "")),
        host=host,
        manager=manager,
        risk_reserve_pence=reserve if reserve is not None else 0,
        method=(method or domain.Method.PRO_RATA).value,
        fixed_shares=fixed,
        caps=caps,
        excess_to=excess_to,
        underspend=(underspend or domain.Underspend.RETURN_PRO_RATA).value,
        contributions=contributions,
        schemes=schemes,
    )
    # The pool as a whole, by the same function creation runs; partners named by their keys in this file.
    # While parts of it could not be read, problems that follow from the missing parts are left out.
    keys = {org.pk: key for key, org in partners.items()}
    draft = services.draft_of(spec, keys)
    if year is None or agreement is None:
        draft = dataclasses.replace(draft, financial_year=2000, agreement_starts=None, agreement_ends=None)
    incomplete = e.under("contributions", "schemes", "pool.risk_reserve", "partners")
    for problem in domain.validate_pool(draft):
        if incomplete and problem.code in ("totals", "not_contributing"):
            continue
        if year is None and problem.path == "pool.financial_year":
            continue
        e.add(problem.path, problem.message)
    if e.items:
        first = e.items[0]
        raise FieldError(f"{first['field']}: {first['message']}", errors=e.items)
    return spec


def create_from_text(actor, text: str) -> Pool:
    return services.create_pool(actor, parse(load(text)))


def _pounds(pence: int) -> str:
    return format_pence(pence, symbol=False).replace(",", "")


def _pct(f: Fraction) -> int | float | str:
    """A percentage written so that it parses back exactly: 50, 33.33, or '100/3' when no short decimal is
    exact."""
    if f.denominator == 1:
        return int(f)
    as_float = float(f)
    if Fraction(str(as_float)) == f:
        return as_float
    return f"{f.numerator}/{f.denominator}"


def export(pool: Pool) -> str:
    """The pool as an agreement document that `create_from_text` reads back (for another agreement or year).
    Every organisation the pool names (partners, leads, funders, the host and every role in the risk-share
    rule) gets a key, unique even when two organisations share a name."""
    from jointcare.organisations.models import Organisation

    ids = [c.partner_id for c in pool.contributions.all()]
    schemes = list(pool.schemes.select_related("lead").prefetch_related("funders"))
    for s in schemes:
        ids += [s.lead_id, *(f.partner_id for f in s.funders.all())]
    ids += [pool.host_id, *(int(k) for k in pool.fixed_shares), *(int(k) for k in pool.caps)]
    if pool.excess_to_id:
        ids.append(pool.excess_to_id)
    found = Organisation.objects.in_bulk(set(ids))
    keys: dict[int, str] = {}
    for pk in dict.fromkeys(ids):
        org = found[pk]
        base = (org.code or org.name).lower().replace(" ", "_")
        key, n = base, 2
        while key in keys.values():
            key, n = f"{base}_{n}", n + 1
        keys[pk] = key
    doc = {
        "pool": {
            "name": pool.name,
            "agreement": pool.agreement.name,
            "financial_year": pool.year_label,
            "host": keys[pool.host_id],
            **({"manager": pool.manager.username} if pool.manager_id else {}),
            "risk_reserve": _pounds(pool.risk_reserve_pence),
        },
        "partners": {keys[pk]: (found[pk].code or found[pk].name) for pk in keys},
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
    for s in schemes:
        item = {
            "code": s.code,
            "name": s.name,
            "service_area": s.service_area,
            "lead": keys[s.lead_id],
            "budget": _pounds(s.budget_pence),
        }
        funders = {keys[f.partner_id]: _pct(Fraction(f.share_basis_points, 100)) for f in s.funders.all()}
        if funders:
            item["funders"] = funders
        doc["schemes"].append(item)
    rs = doc["risk_share"]
    if pool.fixed_shares:
        rs["shares"] = {keys[int(k)]: _pct(Fraction(v) * 100) for k, v in pool.fixed_shares.items()}
    if pool.caps:
        rs["caps"] = {keys[int(k)]: (v if v == "contribution" else _pounds(int(v))) for k, v in pool.caps.items()}
    if pool.excess_to_id:
        rs["excess_to"] = keys[pool.excess_to_id]
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
