"""Client Level Data (CLD): the Release 2 fields, their types, the defined values, and the Release 1 spellings.

Pure: no Django import. The field and value lists are reconstructed from DHSC's published validation and mapping
SQL and NHS England's transformation principles (the official specification spreadsheet is not public); see
decision 0100. Every CLD row is validated against these tables (in SQL, by `jointcare.cld.validation`) and stored
under the Release 2 column names with Release 2 values, so what the measures read is always Release 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEXT, DATE, DECIMAL = "text", "date", "decimal"


@dataclass(frozen=True)
class Field:
    name: str  # the Release 2 column name
    kind: str = TEXT  # text, date or decimal
    module: str = "Events (all)"  # DHSC's grouping of fields
    max_length: int = 255


FIELDS: tuple[Field, ...] = (
    Field("LA_Code", module="Submission information", max_length=9),
    Field("Reporting_Period_Start_Date", DATE, "Submission information"),
    Field("Reporting_Period_End_Date", DATE, "Submission information"),
    Field("LA_Person_Unique_Identifier", module="Person details", max_length=100),
    Field("NHS_Number", module="Person details", max_length=12),
    Field("GP_Practice_Code", module="Person details", max_length=10),
    Field("Gender", module="Person details"),
    Field("Ethnicity", module="Person details"),
    Field("Date_of_Birth", DATE, "Person details"),
    Field("Date_of_Death", DATE, "Person details"),
    Field("Postcode", module="Person details", max_length=10),
    Field("Client_Type", module="Person details"),
    Field("Primary_Support_Reason", module="Person details"),
    Field("Accommodation_Status", module="Person details"),
    Field("Employment_Status", module="Person details"),
    Field("Has_Unpaid_Carer", module="Person details"),
    Field("Client_Funding_Status", module="Person details"),
    Field("Autism_Spectrum_Disorder_ASD", module="Person details"),
    Field("Visual_Impairment", module="Person details"),
    Field("Hearing_Impairment", module="Person details"),
    Field("Dementia", module="Person details"),
    Field("Event_Type"),
    Field("Event_Reference", max_length=100),
    Field("Event_Description", max_length=1000),
    Field("Event_Start_Date", DATE),
    Field("Event_End_Date", DATE),
    Field("Event_Outcome"),
    Field("Request_Route_of_Access", module="Events (requests only)"),
    Field("Assessment_Type", module="Events (assessments only)"),
    Field("Eligible_Needs_Identified", module="Events (assessments only)"),
    Field("Method_of_Assessment", module="Events (assessments only)"),
    Field("Total_Hrs_Caring_per_week", module="Carers and linked service users"),
    Field("No_of_adults_being_cared_for", module="Carers and linked service users"),
    Field("Adult_1_Linked_Person_ID", module="Carers and linked service users", max_length=100),
    Field("Adult_2_Linked_Person_ID", module="Carers and linked service users", max_length=100),
    Field("Adult_3_Linked_Person_ID", module="Carers and linked service users", max_length=100),
    Field("Review_Reason", module="Events (reviews only)"),
    Field("Review_Outcomes_Achieved", module="Events (reviews only)"),
    Field("Method_of_Review", module="Events (reviews only)"),
    Field("Service_Type", module="Events (services only)"),
    Field("Service_Component", module="Events (services only)"),
    Field("Delivery_Mechanism", module="Events (services only)"),
    Field("Provider_CQC_Location_ID", module="Events (services only)", max_length=20),
    Field("Unit_Cost", DECIMAL, "Costs (services only)"),
    Field("Cost_Frequency_Unit_Type", module="Costs (services only)"),
    Field("Planned_units_per_week", DECIMAL, "Costs (services only)"),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
FIELD_BY_NAME = {f.name: f for f in FIELDS}

# Fields whose values identify a person: a validation report names the row and field, never the value (as DHSC's
# data-quality tables show "N/A - PID" for them).
PERSONAL_FIELDS = frozenset({
    "NHS_Number", "LA_Person_Unique_Identifier", "Date_of_Birth", "Postcode",
    "Adult_1_Linked_Person_ID", "Adult_2_Linked_Person_ID", "Adult_3_Linked_Person_ID",
})

# The columns that identify a submission inside a file: one file may hold several councils' submissions.
SUBMISSION_KEY = ("LA_Code", "Reporting_Period_Start_Date", "Reporting_Period_End_Date")

# Mandatory whatever the event (DHSC status 2). Conditional rules are in MANDATORY_WHEN.
MANDATORY = (
    "LA_Code",
    "Reporting_Period_Start_Date",
    "Reporting_Period_End_Date",
    "LA_Person_Unique_Identifier",
    "Client_Type",
    "Event_Type",
    "Event_Start_Date",
)
# field -> (the condition, in words; the Event_Type values for which the field is mandatory)
MANDATORY_WHEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "Event_End_Date": ("requests, assessments and reviews are reported once completed", ("Request", "Assessment", "Review")),
    "Event_Outcome": ("requests, assessments and reviews are reported once completed", ("Request", "Assessment", "Review")),
    "Service_Type": ("every service has a type", ("Service",)),
    "Date_of_Birth": ("every event of a service user needs an age", ("Request", "Assessment", "Service", "Review")),
}
# Date_of_Birth is mandatory only for service users (carers known by association may have none).
DATE_OF_BIRTH_CLIENT_TYPES = ("Service user",)

# --- defined values (Release 2), with their order where DHSC gives one --------------------------------------

EVENT_TYPES = ("Request", "Assessment", "Service", "Review")
CLIENT_TYPES = ("Service user", "Carer", "Carer known by association")

SERVICE_TYPES = (
    "Long term support: Nursing care",
    "Long term support: Residential care",
    "Long term support: Community",
    "Long term support: Prison",
    "Short term support: ST-Max",
    "Short term support: Ongoing low level",
    "Short term support: Other short term",
    "Unpaid carer support: Direct to unpaid carer",
    "Unpaid carer support: Support involving the person cared-for",
)
SERVICE_TYPE_GROUPS = {v: v.split(":", 1)[0] for v in SERVICE_TYPES}

# In DHSC's hierarchy order (deduplication step 3 keeps the record whose outcome comes first).
EVENT_OUTCOMES = (
    "Progress to reablement/ST-Max",
    "Progress to assessment, review or reassessment",
    "Progress to support planning or services",
    "Continuation of support or services",
    "Admitted to hospital",
    "NFA: Responsibility moved to another local authority",
    "NFA: Referral to NHS services or NHS funded social care",
    "NFA: Self-funded client or under 12wk disregard",
    "NFA: Information and advice or signposting",
    "NFA: Referral to other service within the local authority",
    "NFA: Support declined",
    "NFA: Deceased",
    "NFA: Support ended as planned",
    "NFA: Support ended for other reason",
    "NFA: No services offered for other reason",
    "NFA: Other",
)
# DHSC's hierarchy numbers: 3 is "Release 1 specification only: Not mapped", which we never store.
EVENT_OUTCOME_HIERARCHY = {v: i + (1 if i < 2 else 2) for i, v in enumerate(EVENT_OUTCOMES)}
EVENT_OUTCOME_GROUPS = {v: ("NFA" if v.startswith("NFA") else v) for v in EVENT_OUTCOMES}

DELIVERY_MECHANISMS = ("Direct payment", "CASSR Managed Personal Budget", "CASSR Commissioned support")

ETHNICITIES = (
    "Asian or Asian British: Any other Asian background",
    "Asian or Asian British: Bangladeshi",
    "Asian or Asian British: Chinese",
    "Asian or Asian British: Indian",
    "Asian or Asian British: Pakistani",
    "Black, Black British, Caribbean or African: African",
    "Black, Black British, Caribbean or African: Any other Black, Black British or Caribbean background",
    "Black, Black British, Caribbean or African: Caribbean",
    "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background",
    "Mixed or multiple ethnic groups: White and Asian",
    "Mixed or multiple ethnic groups: White and Black African",
    "Mixed or multiple ethnic groups: White and Black Caribbean",
    "No data: Refused",
    "No data: Undeclared or not known",
    "Other ethnic group: Any other ethnic group",
    "Other ethnic group: Arab",
    "White: Any other White background",
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: Gypsy or Irish Traveller",
    "White: Irish",
    "White: Roma",
)

DEFINED_VALUES: dict[str, tuple[str, ...]] = {
    "Event_Type": EVENT_TYPES,
    "Client_Type": CLIENT_TYPES,
    "Service_Type": SERVICE_TYPES,
    "Event_Outcome": EVENT_OUTCOMES,
    "Delivery_Mechanism": DELIVERY_MECHANISMS,
    "Ethnicity": ETHNICITIES,
}

# Release 1 spellings that differ by more than case and punctuation (which `value_key` ignores already:
# "NFA - Deceased" and "Long Term Support: Nursing Care" find their Release 2 values without a line here).
RELEASE_1_VALUES: dict[str, dict[str, str]] = {
    "Service_Type": {
        "Carer Support: Direct to Carer": "Unpaid carer support: Direct to unpaid carer",
        "Carer Support: Support involving the person cared-for": "Unpaid carer support: Support involving the person cared-for",
        "Carer Support: Support Involving the Person Cared For": "Unpaid carer support: Support involving the person cared-for",
    },
    "Ethnicity": {
        "Mixed: White and Asian": "Mixed or multiple ethnic groups: White and Asian",
        "Mixed: White and Black African": "Mixed or multiple ethnic groups: White and Black African",
        "Mixed: White and Black Caribbean": "Mixed or multiple ethnic groups: White and Black Caribbean",
        "Mixed: Any other Mixed background": "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background",
        "Black or Black British: African": "Black, Black British, Caribbean or African: African",
        "Black or Black British: Caribbean": "Black, Black British, Caribbean or African: Caribbean",
        "Black or Black British: Any other Black background": (
            "Black, Black British, Caribbean or African: Any other Black, Black British or Caribbean background"
        ),
        "White: British": "White: English, Welsh, Scottish, Northern Irish or British",
        "White: Gypsy / Roma": "White: Gypsy or Irish Traveller",
        "Other Ethnic Groups: Any other ethnic group": "Other ethnic group: Any other ethnic group",
        "Other Ethnic Groups: Arab": "Other ethnic group: Arab",
        "Not Stated": "No data: Undeclared or not known",
        "Refused": "No data: Refused",
    },
    "Client_Type": {"Carer known by Association": "Carer known by association"},
}

# Column names: Release 2 is canonical. `column_key` ignores case, spaces and punctuation, so "Method_Of_Review"
# or "method of review" is found; these are the Release 1 (and common) names that differ by more than that.
RELEASE_1_COLUMNS: dict[str, str] = {
    "Person_ID": "LA_Person_Unique_Identifier",
    "LA_Person_ID": "LA_Person_Unique_Identifier",
    "NHS_No": "NHS_Number",
    "GP_Practice": "GP_Practice_Code",
    "Autism": "Autism_Spectrum_Disorder_ASD",
    "Autism_Spectrum_Disorder": "Autism_Spectrum_Disorder_ASD",
    "Has_Carer": "Has_Unpaid_Carer",
    "Route_of_Access": "Request_Route_of_Access",
    "Total_Hours_Caring_per_week": "Total_Hrs_Caring_per_week",
    "Number_of_adults_being_cared_for": "No_of_adults_being_cared_for",
    "Adult_1_Linked_Person_Identifier": "Adult_1_Linked_Person_ID",
    "Adult_2_Linked_Person_Identifier": "Adult_2_Linked_Person_ID",
    "Adult_3_Linked_Person_Identifier": "Adult_3_Linked_Person_ID",
    "Planned_Units_Per_Week": "Planned_units_per_week",
    "Provider_CQC_Location_Code": "Provider_CQC_Location_ID",
}

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def column_key(name: str) -> str:
    """A column name with case, spaces and punctuation ignored: 'Method_Of_Review' -> 'methodofreview'."""
    return _NOT_ALNUM.sub("", str(name).lower())


def value_key(value: str) -> str:
    """A value with case, spaces and punctuation ignored: 'NFA - Deceased' and 'NFA: Deceased' -> 'nfadeceased'."""
    return _NOT_ALNUM.sub("", str(value).lower())


_COLUMN_INDEX = {column_key(n): n for n in FIELD_NAMES} | {column_key(k): v for k, v in RELEASE_1_COLUMNS.items()}


def release_2_column(name: str) -> str | None:
    """The Release 2 name of a column as written in a file (Release 1 and case variants accepted); None if unknown."""
    return _COLUMN_INDEX.get(column_key(name))


def map_header(header: list[str]) -> tuple[list[str | None], list[dict]]:
    """Each column's Release 2 name (None for a column we do not read), and the problems: missing mandatory
    columns and columns given twice, as report rows {row, field, reason} (row 1 is the header)."""
    mapped: list[str | None] = []
    problems: list[dict] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = release_2_column(raw) if raw is not None else None
        if name and name in seen:
            problems.append({"row": 1, "field": name, "reason": f"column {i + 1} repeats column {seen[name] + 1} ({name})"})
            name = None
        if name:
            seen[name] = i
        mapped.append(name)
    required = set(MANDATORY) | set(MANDATORY_WHEN)
    for name in FIELD_NAMES:
        if name in required and name not in seen:
            problems.append({"row": 1, "field": name, "reason": f"the column {name} is missing"})
    return mapped, problems


def value_mapping(field: str) -> dict[str, str]:
    """value_key(raw) -> the Release 2 value, for a field with defined values."""
    mapping = {value_key(v): v for v in DEFINED_VALUES[field]}
    for raw, release_2 in RELEASE_1_VALUES.get(field, {}).items():
        mapping.setdefault(value_key(raw), release_2)
    return mapping


# --- the person identifier and GSS council codes ------------------------------------------------------------

COUNCIL_CODE = re.compile(r"^E(06|08|09|10)\d{6}$")


def is_council_code(code: str) -> bool:
    """An upper-tier council with social services: GSS E06 (unitary), E08 (metropolitan), E09 (London), E10 (county)."""
    return bool(COUNCIL_CODE.match(code or ""))


def nhs_number_valid(value: str) -> bool:
    """Ten digits whose tenth is the modulus-11 check digit of the first nine (NHS Number Standard)."""
    if not (len(value) == 10 and value.isdigit()):
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(value[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(value[9])


# --- hospital activity and populations ------------------------------------------------------------------------

HOSPITAL_FIELDS: tuple[Field, ...] = (
    Field("NHS_Number", module="Hospital activity", max_length=12),
    Field("Admission_Date", DATE, "Hospital activity"),
    Field("Discharge_Date", DATE, "Hospital activity"),
    Field("Admission_Method", module="Hospital activity", max_length=2),
    Field("Discharge_Destination", module="Hospital activity", max_length=2),
    Field("Discharge_Method", module="Hospital activity", max_length=1),
    Field("Date_of_Birth", DATE, "Hospital activity"),
    Field("LA_Code", module="Hospital activity", max_length=9),
)
HOSPITAL_MANDATORY = ("NHS_Number", "Admission_Date", "Discharge_Date", "Admission_Method", "Discharge_Destination")
HOSPITAL_COLUMNS: dict[str, str] = {column_key(f.name): f.name for f in HOSPITAL_FIELDS} | {
    "nhsno": "NHS_Number",
    "admissiondt": "Admission_Date",
    "dischargedt": "Discharge_Date",
    "admimeth": "Admission_Method",
    "admissionmethodcode": "Admission_Method",
    "disdest": "Discharge_Destination",
    "dischargedestinationcode": "Discharge_Destination",
    "dismeth": "Discharge_Method",
    "dob": "Date_of_Birth",
}

AGE_BANDS = ("18 to 64", "65 and above")
