"""People: the rules of the person record. Pure: no Django import.

NHS numbers are ten digits whose last is a modulus-11 check digit (NHS Data Dictionary, "NHS Number"); people
write them with spaces or dashes, and they are shown 3 3 4. Names are folded for search so that case,
accents, apostrophes and hyphens do not matter.
"""

from __future__ import annotations

import re
import unicodedata

import nhs_number as nhs_number_lib

BREAK_GLASS_HOURS = 4
BREAK_GLASS_MIN_REASON = 10

CARE_TEAM_ROLES = {
    "gp": "GP",
    "community_matron": "Community matron",
    "social_worker": "Social worker",
    "district_nurse": "District nurse",
    "reablement_worker": "Reablement worker",
    "unpaid_carer": "Unpaid carer",
    "other": "Other",
}

_SEPARATORS = re.compile(r"[\s\-]+")


class InvalidNhsNumber(ValueError):
    """The text is not a valid NHS number; the message says why, for the person who typed it."""


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when it would be 10 (no valid number has those)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def standardise_nhs_number(text: str) -> str:
    """Ten digits from what a person typed ("943 476 5919", "943-476-5919"), or InvalidNhsNumber saying why."""
    digits = _SEPARATORS.sub("", text or "")
    if not digits:
        raise InvalidNhsNumber("Enter an NHS number")
    if not digits.isascii() or not digits.isdigit():
        raise InvalidNhsNumber("An NHS number is 10 digits, with no letters or other characters")
    if len(digits) != 10:
        raise InvalidNhsNumber(f"An NHS number is 10 digits; this has {len(digits)}")
    check = nhs_check_digit(digits[:9])
    if check is None:
        raise InvalidNhsNumber("This is not a valid NHS number: its check digit would be 10")
    if check != int(digits[9]):
        raise InvalidNhsNumber("This is not a valid NHS number: the check digit is wrong; check it was typed correctly")
    if not nhs_number_lib.is_valid(digits):
        # The nhs-number package also refuses numbers of the Scottish (CHI) range whose first six digits are no date.
        raise InvalidNhsNumber("This is not a valid NHS number: in the Scottish range the first six digits are a date")
    return digits


def is_synthetic_nhs_number(digits: str) -> bool:
    """Numbers starting 999 are never issued to patients: for tests, demonstrations and training."""
    return digits.startswith("999")


def format_nhs_number(digits: str) -> str:
    """Ten digits shown 3 3 4: "943 476 5919"."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def nhs_number_query(text: str) -> str | None:
    """The digits of an NHS number typed into a search box, or None when it does not look like one."""
    digits = _SEPARATORS.sub("", text or "")
    return digits if len(digits) == 10 and digits.isascii() and digits.isdigit() else None


def synthetic_nhs_number(serial: int) -> str:
    """The `serial`-th valid 999-range NHS number (serials whose check digit would be 10 are skipped over)."""
    n = serial
    while True:
        body = f"999{n:06d}"
        check = nhs_check_digit(body)
        if check is not None:
            return f"{body}{check}"
        n += 1


# --- names -------------------------------------------------------------------------------------------


# Letters that carry no separable accent, written as English spelling would.
_NO_DECOMPOSITION = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"})


def name_key(text: str) -> str:
    """A name folded for search: accents removed, lower case, letters and digits only ("O'Brien-Núñez" ->
    "obriennunez")."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(_NO_DECOMPOSITION))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in plain.casefold() if c.isalnum())


# --- postcodes ---------------------------------------------------------------------------------------

# UK postcode: outward code (area, district) and inward code (sector digit, unit letters). Inward letters exclude
# C, I, K, M, O, V. A simplified form of the published pattern, which also allows GIR 0AA.
_POSTCODE = re.compile(r"^(GIR0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\d[ABD-HJLNP-UW-Z]{2})$")


class InvalidPostcode(ValueError):
    pass


def standardise_postcode(text: str) -> str:
    """A postcode in standard form ("m33 7zz" -> "M33 7ZZ"), or InvalidPostcode."""
    compact = re.sub(r"\s+", "", (text or "").upper())
    if not _POSTCODE.match(compact):
        raise InvalidPostcode("Enter a real postcode, like M33 7ZZ")
    return f"{compact[:-3]} {compact[-3:]}"


# --- responsible council ------------------------------------------------------------------------------

_GSS_COUNCIL = re.compile(r"^E(06|07|08|09|10)\d{6}$")


def is_council_code(code: str) -> bool:
    """An upper-tier English council's GSS code (unitary E06, metropolitan E08, London E09, county E10)."""
    return bool(_GSS_COUNCIL.match(code or "")) and not code.startswith("E07")


def council_override_problem(derived: str | None, chosen: str, reason: str) -> str | None:
    """Why a chosen council cannot stand, or None. Differing from the council the LSOA gives needs a reason."""
    if derived and chosen and chosen != derived and not (reason or "").strip():
        return (f"The person's LSOA lies in {derived}; give a reason for making {chosen} the responsible council")
    return None
