import pytest

from jointcare.organisations.domain import gss_error, normalise_code, ods_error, parent_error, sector_error

pytestmark = pytest.mark.domain


@pytest.mark.parametrize(
    "kind,code,ok",
    [
        ("gp_practice", "P91004", True),
        ("gp_practice", "I91004", False),
        ("gp_practice", "P9100", False),
        ("sub_icb", "02A", True),
        ("sub_icb", "2A", False),
        ("icb", "QOP", True),
        ("icb", "ROP", False),
        ("nhs_trust", "R0A", True),
        ("nhs_trust", "R0A01", True),
        ("nhs_trust", "Q0A", False),
        ("pct", "5NR", True),
        ("provider", "NLX", True),
        ("provider", "a-b", False),
    ],
)
def test_ods_codes_by_kind(kind, code, ok):
    assert (ods_error(kind, code) is None) is ok


def test_ods_error_says_what_was_expected():
    message = ods_error("gp_practice", "X1")
    assert "'X1'" in message and "five digits" in message


@pytest.mark.parametrize(
    "kind,code,ok",
    [
        ("upper_tier_council", "E08000009", True),
        ("upper_tier_council", "E07000001", False),
        ("district_council", "E07000001", True),
        ("icb", "E54000007", True),
        ("sub_icb", "E38000187", True),
        ("sub_icb", "E3800018", False),
        ("provider", "E08000009", True),
    ],
)
def test_gss_codes_by_kind(kind, code, ok):
    assert (gss_error(kind, code) is None) is ok


def test_sector_must_fit_kind():
    assert sector_error("icb", "nhs") is None
    assert "NHS" in sector_error("icb", "council")
    assert sector_error("provider", "voluntary") is None


def test_parent_kinds():
    assert parent_error("gp_practice", "sub_icb") is None
    assert "sub-icb" in parent_error("gp_practice", "icb").lower()
    assert parent_error("district_council", "upper_tier_council") is None
    assert parent_error("provider", "nhs_trust") is None


def test_normalise_code():
    assert normalise_code("  e08000009 ") == "E08000009"
    assert normalise_code(None) == ""
