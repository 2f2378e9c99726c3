import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcare.people import domain

pytestmark = pytest.mark.domain

VALID = "9434765919"  # the NHS Data Dictionary's example


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919", " 943  476-5919 ", "943\t476\n5919"])
def test_nhs_number_is_standardised_from_any_spacing_or_dashes(typed):
    assert domain.standardise_nhs_number(typed) == VALID


@pytest.mark.parametrize("typed,says", [
    ("943476591A", "no letters"),
    ("94347G5919", "no letters"),
    ("９４３４７６５９１９", "no letters"),  # full-width digits are not ASCII digits
    ("943476591", "this has 9"),
    ("94347659190", "this has 11"),
    ("", "Enter an NHS number"),
    ("9434765918", "check digit is wrong"),
    ("9434765910", "check digit is wrong"),
])
def test_nhs_number_refused_with_a_reason(typed, says):
    with pytest.raises(domain.InvalidNhsNumber, match=says):
        domain.standardise_nhs_number(typed)


def test_a_check_digit_of_ten_is_invalid():
    # 100000002: weights 10..2 give 1*10 + 2*2 = 14; 14 % 11 = 3; 11 - 3 = 8 -> valid 1000000028.
    # Find nine digits whose check would be 10 and show no tenth digit makes them valid.
    body = next(f"{n:09d}" for n in range(100_000_000, 100_001_000) if domain.nhs_check_digit(f"{n:09d}") is None)
    for last in "0123456789":
        with pytest.raises(domain.InvalidNhsNumber):
            domain.standardise_nhs_number(body + last)
    with pytest.raises(domain.InvalidNhsNumber, match="would be 10"):
        domain.standardise_nhs_number(body + "0")


def test_check_digit_eleven_becomes_zero():
    body = next(f"{n:09d}" for n in range(400_000_000, 400_010_000)
                if sum(int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1), strict=True)) % 11 == 0)
    assert domain.standardise_nhs_number(body + "0") == body + "0"


def test_a_chi_range_number_needs_a_date():
    body = next(f"{n:09d}" for n in range(300_000_000, 300_001_000) if domain.nhs_check_digit(f"{n:09d}") is not None)
    with pytest.raises(domain.InvalidNhsNumber, match="Scottish"):
        domain.standardise_nhs_number(body + str(domain.nhs_check_digit(body)))


def test_display_is_three_three_four():
    assert domain.format_nhs_number(VALID) == "943 476 5919"


@settings(max_examples=60)
@given(st.integers(min_value=0, max_value=999_999))
def test_synthetic_numbers_are_valid_and_in_the_999_range(serial):
    number = domain.synthetic_nhs_number(serial)
    assert domain.standardise_nhs_number(number) == number
    assert domain.is_synthetic_nhs_number(number)


@settings(max_examples=60)
@given(st.from_regex(r"[4-9][0-9]{9}", fullmatch=True))
def test_our_check_agrees_with_the_nhs_number_package(digits):
    """Outside the Scottish CHI range, where the package also checks a date, both apply the same modulus 11."""
    import nhs_number

    ours = domain.nhs_check_digit(digits[:9])
    assert (ours is not None and ours == int(digits[9])) == nhs_number.is_valid(digits)


@pytest.mark.parametrize("a,b", [
    ("O'Brien", "obrien"), ("Núñez", "NUNEZ"), ("Anne-Marie", "annemarie"), ("  Zoë ", "zoe"), ("Ødegård", "odegard"),
])
def test_name_keys_ignore_case_accents_and_punctuation(a, b):
    assert domain.name_key(a) == domain.name_key(b)


@pytest.mark.parametrize("typed,standard", [
    ("m33 7zz", "M33 7ZZ"), ("M337ZZ", "M33 7ZZ"), ("wa14 1aa", "WA14 1AA"), ("EC1A 1BB", "EC1A 1BB"), ("w1a0ax", "W1A 0AX"),
])
def test_postcodes_standardised(typed, standard):
    assert domain.standardise_postcode(typed) == standard


@pytest.mark.parametrize("typed", ["M33", "33M 7ZZ", "M33 7CZ", "QQ1 1AA", "hello", "M33 7ZZZ"])
def test_bad_postcodes_refused(typed):
    with pytest.raises(domain.InvalidPostcode):
        domain.standardise_postcode(typed)


def test_council_codes():
    assert domain.is_council_code("E08000009") and domain.is_council_code("E10000015")
    assert not domain.is_council_code("E07000001") and not domain.is_council_code("E38000187")


def test_overriding_the_lsoa_council_needs_a_reason():
    assert domain.council_override_problem("E08000009", "E08000003", "") is not None
    assert domain.council_override_problem("E08000009", "E08000003", "Placed out of area by Manchester") is None
    assert domain.council_override_problem("E08000009", "E08000009", "") is None
    assert domain.council_override_problem(None, "E08000003", "") is None
