"""Pool forms: the query strings of the pages (bad values are a 400 naming the field), the reopening, and the
step-by-step set-up of a pool, whose answers make the same agreement document the YAML upload reads."""

from __future__ import annotations

from django import forms

from jointcare.errors import FieldError
from jointcare.exports import FORMATS
from jointcare.pool.domain import AccountKind, TransactionKind, parse_financial_year
from jointcare.request_limits import TextField

# ------------------------------------------------------------------------------------------------ query strings


def read_query(form: forms.Form) -> dict:
    """The cleaned values of a query-string form; FieldError (a 400 page naming each field) if any is bad."""
    if not form.is_valid():
        errors = [{"field": name, "message": msg} for name, msgs in form.errors.items() for msg in msgs]
        raise FieldError(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)
    return form.cleaned_data


def _format_field():
    return forms.ChoiceField(
        required=False,
        choices=[("", "page")] + [(f, f) for f in FORMATS],
        error_messages={"invalid_choice": f"Choose a download format: {', '.join(FORMATS)}"},
    )


def _month_field(minimum: int):
    return forms.IntegerField(
        required=False,
        min_value=minimum,
        max_value=12,
        error_messages={
            "invalid": "Give the month as a number: 1 is April, 12 is March",
            "min_value": f"Give a month from {minimum} to 12 (1 is April, 12 is March)",
            "max_value": f"Give a month from {minimum} to 12 (1 is April, 12 is March)",
        },
    )


class ReportQuery(forms.Form):
    format = _format_field()


class MonitoringQuery(forms.Form):
    """`scheme`: the chart's scheme code (or 'total'); `through`: the reporting month (0 to 12)."""

    scheme = forms.ChoiceField(required=False, choices=[])
    through = _month_field(0)
    format = _format_field()

    def __init__(self, data, *, codes):
        super().__init__(data)
        self.fields["scheme"].choices = [("", ""), ("total", "All schemes")] + [(c, c) for c in codes]
        self.fields["scheme"].error_messages["invalid_choice"] = "There is no scheme with that code in this pool"


class LedgerQuery(forms.Form):
    scheme = forms.ChoiceField(required=False, choices=[])
    partner = forms.ChoiceField(required=False, choices=[])
    account = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(k.value, k.value) for k in AccountKind],
        error_messages={"invalid_choice": "Choose a kind of account from the list"},
    )
    month = _month_field(1)
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(k.value, k.value) for k in TransactionKind],
        error_messages={"invalid_choice": "Choose a kind of transaction from the list"},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "Give the page as a whole number", "min_value": "Pages start at 1"},
    )
    format = _format_field()

    def __init__(self, data, *, codes, partner_ids):
        super().__init__(data)
        self.fields["scheme"].choices = [("", "")] + [(c, c) for c in codes]
        self.fields["scheme"].error_messages["invalid_choice"] = "There is no scheme with that code in this pool"
        self.fields["partner"].choices = [("", "")] + [(str(p), str(p)) for p in partner_ids]
        self.fields["partner"].error_messages["invalid_choice"] = "That organisation is not a partner in this pool"


# ------------------------------------------------------------------------------------------------ reopening


class ReopenForm(forms.Form):
    reason = TextField(
        max_length=300,
        strip=True,
        error_messages={
            "required": "Enter why the pool is being reopened, for example: late invoice from Acme Care for March",
            "max_length": "The reason must be 300 characters or fewer",
        },
    )
    confirm = forms.BooleanField(
        error_messages={"required": "Confirm that the settlement will be reversed"},
    )


# ------------------------------------------------------------------------------------------------ setting a pool up
#
# Each step's form checks only that the answers are there and chosen from the lists. The rules (amounts,
# percentages, instalments adding up, the risk-share rule) are checked by reading the answers as an agreement
# document (agreement_file.parse), the same as an uploaded file: its key paths say which answer is wrong.


def _choice(choices, required_message: str, required: bool = True):
    return forms.ChoiceField(
        required=required,
        choices=choices,
        error_messages={"required": required_message, "invalid_choice": "Choose one from the list"},
    )


def _text(max_length: int, required_message: str = "", required: bool = True):
    return TextField(
        required=required,
        max_length=max_length,
        error_messages={"required": required_message, "max_length": f"Use {max_length} characters or fewer"},
    )


def _amount(required_message: str = "", required: bool = True):
    return _text(30, required_message, required)


class AgreementStep(forms.Form):
    agreement = _choice([], "Choose the agreement the pool belongs to")
    financial_year = _text(9, "Enter the financial year, for example 2026-27")

    def __init__(self, *args, agreements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = [(str(a.pk), a.name) for a in agreements]

    def clean_financial_year(self):
        text = self.cleaned_data["financial_year"]
        try:
            parse_financial_year(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text


class PoolStep(forms.Form):
    name = _text(200, "Enter the name of the pooled budget")
    host = _choice([], "Choose the host partner")
    manager = _choice([], "", required=False)

    def __init__(self, *args, parties=(), managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].choices = [(str(o.pk), o.name) for o in parties]
        self.fields["manager"].choices = [("", "Not yet")] + [(u.username, u.get_full_name() or u.username) for u in managers]


CONTRIBUTION_TYPES = [("pooled", "Pooled: paid into the pool and shared under the risk share"), ("aligned", "Aligned: kept by the partner, reported alongside")]
CONTRIBUTION_FORMS = [("cash", "Cash"), ("in_kind", "In kind (staff, buildings or services)")]
SCHEDULES = [
    ("monthly", "Monthly: twelve equal instalments"),
    ("quarterly", "Quarterly: April, July, October and January"),
    ("custom", "Custom: the amount due in each month"),
]


class ContributionStep(forms.Form):
    partner = _choice([], "Choose the partner making the contribution")
    amount = _amount("Enter the amount in pounds, for example 1250000.00")
    type = _choice(CONTRIBUTION_TYPES, "Choose whether the contribution is pooled or aligned")
    form = _choice(CONTRIBUTION_FORMS, "Choose whether the contribution is cash or in kind")
    schedule = _choice(SCHEDULES, "Choose when the contribution is paid")
    description = _text(200, required=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [(str(o.pk), o.name) for o in parties]
        for m in range(1, 13):
            self.fields[f"instalment_{m}"] = _amount(required=False)

    def answer(self) -> dict:
        d = self.cleaned_data
        item = {k: d[k] for k in ("partner", "amount", "type", "form", "schedule", "description")}
        item["instalments"] = (
            {str(m): d[f"instalment_{m}"] for m in range(1, 13) if d[f"instalment_{m}"]} if d["schedule"] == "custom" else {}
        )
        return item

    @staticmethod
    def initial_from(item: dict) -> dict:
        data = {k: v for k, v in item.items() if k != "instalments"}
        data.update({f"instalment_{m}": v for m, v in item.get("instalments", {}).items()})
        return data


class SchemeStep(forms.Form):
    code = _text(40, "Enter a short code for the scheme, for example REAB")
    name = _text(200, "Enter the name of the scheme")
    service_area = _choice([], "Choose the service area")
    lead = _choice([], "Choose the lead commissioner")
    budget = _amount("Enter the budget in pounds, for example 2400000.00")

    def __init__(self, *args, parties=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_area"].choices = [("", "Choose a service area")] + list(areas)
        self.fields["lead"].choices = [(str(o.pk), o.name) for o in parties]
        self.partner_fields = []
        for o in parties:
            self.fields[f"funder_{o.pk}"] = _text(10, required=False)
            self.partner_fields.append((o, f"funder_{o.pk}"))

    def answer(self) -> dict:
        d = self.cleaned_data
        item = {k: d[k] for k in ("code", "name", "service_area", "lead", "budget")}
        item["funders"] = {str(o.pk): d[name] for o, name in self.partner_fields if d[name]}
        return item

    @staticmethod
    def initial_from(item: dict) -> dict:
        data = {k: v for k, v in item.items() if k != "funders"}
        data.update({f"funder_{pk}": v for pk, v in item.get("funders", {}).items()})
        return data


METHODS = [
    ("pro_rata", "Pro rata to pooled contributions"),
    ("fixed", "Fixed percentages for each partner"),
    ("lead_commissioner", "The lead commissioners of the overspending schemes"),
    ("none", "No risk share: each partner bears the variance on the schemes it leads"),
]
UNDERSPENDS = [
    ("return_pro_rata", "Returned pro rata to pooled contributions"),
    ("return_by_share", "Returned in the same shares as an overspend"),
    ("carry_forward", "Kept in the pool for next year"),
]
CAPS = [("", "No cap"), ("contribution", "Its pooled contributions"), ("amount", "An amount")]


class RiskShareStep(forms.Form):
    risk_reserve = _amount(required=False)
    method = _choice(METHODS, "Choose how an overspend is shared")
    underspend = _choice(UNDERSPENDS, "Choose what happens to an underspend")
    excess_to = _choice([], "", required=False)

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["excess_to"].choices = [("", "Nobody: re-share it among the partners below their caps")] + [
            (str(o.pk), o.name) for o in partners
        ]
        self.partners = list(partners)
        for o in self.partners:
            self.fields[f"share_{o.pk}"] = _text(10, required=False)
            self.fields[f"cap_{o.pk}"] = _choice(CAPS, "", required=False)
            self.fields[f"cap_amount_{o.pk}"] = _amount(required=False)

    def answer(self) -> dict:
        d = self.cleaned_data
        caps = {}
        for o in self.partners:
            kind = d[f"cap_{o.pk}"]
            if kind == "contribution":
                caps[str(o.pk)] = "contribution"
            elif kind == "amount":
                caps[str(o.pk)] = d[f"cap_amount_{o.pk}"]
        return {
            "risk_reserve": d["risk_reserve"],
            "method": d["method"],
            "underspend": d["underspend"],
            "excess_to": d["excess_to"],
            "shares": {str(o.pk): d[f"share_{o.pk}"] for o in self.partners if d[f"share_{o.pk}"]}
            if d["method"] == "fixed"
            else {},
            "caps": caps,
        }

    @staticmethod
    def initial_from(risk: dict) -> dict:
        data = {k: risk.get(k, "") for k in ("risk_reserve", "method", "underspend", "excess_to")}
        data.update({f"share_{pk}": v for pk, v in risk.get("shares", {}).items()})
        for pk, cap in risk.get("caps", {}).items():
            data[f"cap_{pk}"] = "contribution" if cap == "contribution" else "amount"
            if cap != "contribution":
                data[f"cap_amount_{pk}"] = cap
        return data


def partner_keys(organisations: dict[int, object]) -> dict[int, str]:
    """The key each partner has in the answers' agreement document: its name, so that problems read
    'Test ICB funds the scheme but pays nothing into the pool'; with its code (or id) where names repeat."""
    names = [o.name for o in organisations.values()]
    return {
        pk: o.name if names.count(o.name) == 1 else f"{o.name} ({o.ods_code or o.gss_code or pk})"
        for pk, o in organisations.items()
    }


def setup_document(draft: dict, organisations: dict[int, object], *, agreement_name: str | None = None) -> dict:
    """The answers so far as an agreement document (docs/pool-agreement-file.md). Partners are keyed by name
    (`partner_keys`) and identified by their ODS or GSS code, or their name where they have neither."""
    keys = partner_keys(organisations)
    used: list[int] = []

    def ref(pk) -> str:
        pk = int(pk)
        if pk not in used:
            used.append(pk)
        return keys.get(pk, f"organisation {pk}")

    risk = draft.get("risk") or {}
    pool: dict = {
        "name": draft.get("name", ""),
        "agreement": agreement_name or (int(draft["agreement"]) if draft.get("agreement") else ""),
        "financial_year": draft.get("financial_year", ""),
    }
    if draft.get("host"):
        pool["host"] = ref(draft["host"])
    if draft.get("manager"):
        pool["manager"] = draft["manager"]
    pool["risk_reserve"] = risk.get("risk_reserve") or "0.00"
    contributions = []
    for c in draft.get("contributions", []):
        item = {"partner": ref(c["partner"]), "amount": c["amount"], "type": c["type"], "form": c["form"], "schedule": c["schedule"]}
        if c["schedule"] == "custom":
            item["instalments"] = {int(m): v for m, v in c.get("instalments", {}).items()}
        if c.get("description"):
            item["description"] = c["description"]
        contributions.append(item)
    schemes = []
    for s in draft.get("schemes", []):
        item = {k: s[k] for k in ("code", "name", "service_area")}
        item["lead"] = ref(s["lead"])
        item["budget"] = s["budget"]
        if s.get("funders"):
            item["funders"] = {ref(pk): pct for pk, pct in s["funders"].items()}
        schemes.append(item)
    rule: dict = {"method": risk.get("method") or "pro_rata", "underspend": risk.get("underspend") or "return_pro_rata"}
    if risk.get("shares"):
        rule["shares"] = {ref(pk): v for pk, v in risk["shares"].items()}
    if risk.get("caps"):
        rule["caps"] = {ref(pk): v for pk, v in risk["caps"].items()}
    if risk.get("excess_to"):
        rule["excess_to"] = ref(risk["excess_to"])
    partners = {}
    for pk in used:
        org = organisations.get(pk)
        if org is not None:
            partners[keys[pk]] = org.ods_code or org.gss_code or org.name
    return {"pool": pool, "partners": partners, "contributions": contributions, "schemes": schemes, "risk_share": rule}


def field_for(path: str, prefix: str, fields, keys: dict[str, int]) -> str | None:
    """The form field an error's key path names, below `prefix` (e.g. `contributions[0]`): `.amount` -> amount,
    `.instalments.3` -> instalment_3, `.funders.<partner>` -> funder_<id>, `.caps.<partner>` -> cap_amount_<id>
    (`keys`: partner key -> organisation id). None when the error belongs to the step as a whole."""
    rest = path[len(prefix) :].lstrip(".")
    parts = rest.split(".", 1)
    candidates = [parts[0]]
    if len(parts) == 2:
        key = parts[1] if parts[0] == "instalments" else keys.get(parts[1], parts[1])
        candidates = {
            "instalments": [f"instalment_{key}"],
            "funders": [f"funder_{key}"],
            "shares": [f"share_{key}"],
            "caps": [f"cap_amount_{key}", f"cap_{key}"],
        }.get(parts[0], candidates)
    for name in candidates:
        if name in fields:
            return name
    return None


def add_document_errors(form: forms.Form, errors: list[dict], prefixes: dict[str, str], keys: dict[str, int]) -> bool:
    """Put the document errors whose key path begins with one of `prefixes` (path prefix -> the prefix to strip)
    on the form's fields; True if there were any."""
    found = False
    for e in errors:
        path = e.get("field") or ""
        for prefix, strip in prefixes.items():
            if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
                form.add_error(field_for(path, strip, form.fields, keys), e["message"])
                found = True
                break
    return found
