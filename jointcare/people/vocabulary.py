"""Defined values for the person record, with the Adult Social Care Client Level Data (CLD) wording.

Each list maps the short code stored in the database to the CLD value (Release 2 spelling) that returns export.
Sources: the DHSC CLD dashboard mapping tables (ethnicity: the 2021 Census 19 categories and two "No data"
values) and NHS England's "Reproducing ASCOF metrics from CLD" (the 20 accommodation statuses and whether each
is settled, SALT LTS004). Other apps read the same lists from here.
"""

from __future__ import annotations

SEX = {
    "male": "Male",
    "female": "Female",
    "indeterminate": "Indeterminate (unable to be classified as either male or female)",
    "not_known": "Not known",
}

# Whether the person's gender is the same as the sex registered at birth (2021 Census question).
GENDER = {
    "same": "Same as sex registered at birth",
    "different": "Different from sex registered at birth",
    "not_stated": "Prefer not to say",
    "not_known": "Not known",
}

ETHNICITY = {
    "white_british": "White: English, Welsh, Scottish, Northern Irish or British",
    "white_irish": "White: Irish",
    "white_gypsy_traveller": "White: Gypsy or Irish Traveller",
    "white_roma": "White: Roma",
    "white_other": "White: Any other White background",
    "mixed_white_black_caribbean": "Mixed or multiple ethnic groups: White and Black Caribbean",
    "mixed_white_black_african": "Mixed or multiple ethnic groups: White and Black African",
    "mixed_white_asian": "Mixed or multiple ethnic groups: White and Asian",
    "mixed_other": "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background",
    "asian_indian": "Asian or Asian British: Indian",
    "asian_pakistani": "Asian or Asian British: Pakistani",
    "asian_bangladeshi": "Asian or Asian British: Bangladeshi",
    "asian_chinese": "Asian or Asian British: Chinese",
    "asian_other": "Asian or Asian British: Any other Asian background",
    "black_african": "Black, Black British, Caribbean or African: African",
    "black_caribbean": "Black, Black British, Caribbean or African: Caribbean",
    "black_other": "Black, Black British, Caribbean or African: Any other Black, Black British or Caribbean background",
    "other_arab": "Other ethnic group: Arab",
    "other_any": "Other ethnic group: Any other ethnic group",
    "refused": "No data: Refused",
    "not_known": "No data: Undeclared or not known",
}

ETHNICITY_GROUP = {code: label.split(":")[0] for code, label in ETHNICITY.items()}

ACCOMMODATION = {
    "owner_occupier": "Owner occupier or shared ownership scheme",
    "tenant": "Tenant",
    "tenant_private": "Tenant - private landlord",
    "with_family": "Settled mainstream housing with family / friends",
    "supported": "Supported accommodation / supported lodgings / supported group home",
    "shared_lives": "Shared Lives scheme",
    "approved_premises": "Approved premises for offenders released from prison or under probation supervision",
    "sheltered": "Sheltered housing / extra care housing / other sheltered housing",
    "mobile_traveller": "Mobile accommodation for Gypsy / Roma and Traveller communities",
    "rough_sleeper": "Rough sleeper / squatting",
    "night_shelter": "Night shelter / emergency hostel / direct access hostel",
    "refuge": "Refuge",
    "temporary_council": "Placed in temporary accommodation by the council (inc. homelessness resettlement)",
    "short_term_guest": "Staying with family / friends as a short-term guest",
    "healthcare_facility": "Acute / long-term healthcare residential facility or hospital",
    "care_home": "Registered care home",
    "nursing_home": "Registered nursing home",
    "prison": "Prison / Young offenders institution / detention centre",
    "other_temporary": "Other temporary accommodation",
    "unknown": "Unknown",
}

# SALT LTS004 Table 2a: settled accommodation (the rest are Table 2b, unsettled).
SETTLED_ACCOMMODATION = frozenset({
    "owner_occupier", "tenant", "tenant_private", "with_family", "supported", "shared_lives",
    "approved_premises", "sheltered", "mobile_traveller",
})

# Long-term conditions recorded on the person (the QOF registers and the impairments CLD asks about).
CONDITIONS = {
    "asthma": "Asthma",
    "atrial_fibrillation": "Atrial fibrillation",
    "autism": "Autism spectrum disorder",
    "cancer": "Cancer",
    "chronic_kidney_disease": "Chronic kidney disease",
    "copd": "Chronic obstructive pulmonary disease (COPD)",
    "coronary_heart_disease": "Coronary heart disease",
    "dementia": "Dementia",
    "depression": "Depression",
    "diabetes": "Diabetes",
    "epilepsy": "Epilepsy",
    "frailty": "Frailty",
    "hearing_impairment": "Hearing impairment",
    "heart_failure": "Heart failure",
    "hypertension": "Hypertension",
    "learning_disability": "Learning disability",
    "mental_health": "Severe mental illness",
    "multiple_sclerosis": "Multiple sclerosis",
    "osteoporosis": "Osteoporosis",
    "parkinsons": "Parkinson's disease",
    "rheumatoid_arthritis": "Rheumatoid arthritis",
    "stroke": "Stroke or transient ischaemic attack",
    "visual_impairment": "Visual impairment",
}

VOCABULARIES = {
    "sex": SEX,
    "gender": GENDER,
    "ethnicity": ETHNICITY,
    "accommodation": ACCOMMODATION,
}


def label(vocabulary: str, code: str) -> str:
    """The words for a stored code ("" for none; the code itself if unknown)."""
    if not code:
        return ""
    return VOCABULARIES[vocabulary].get(code, code)


def choices(vocabulary: dict[str, str], blank: str = "Not recorded") -> list[tuple[str, str]]:
    return [("", blank), *vocabulary.items()]
