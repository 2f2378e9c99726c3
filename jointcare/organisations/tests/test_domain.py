import pytest

from jointcare.organisations.domain import (
    fold,
    gss_error,
    normalise_code,
    ods_error,
    parent_error,
    search_text,
    search_words,
    sector_error,
)

pytestmark = pytest.mark.domain


@pytest.mark.parametrize(
    "kind,code,ok",
    [
        ("gp_practice", "P91004", True),
        ("gp_practice", "I91004", False),
        ("gp_practice", "P9100", False),
        ("sub_icb", "02A", True),
        ("sub_icb", "2A", False),
        ("sub_icb", "A3A8R", True),  # formed by the April 2021 mergers
        ("sub_icb", "A3A8", False),
        ("ccg", "00T", True),
        ("stp", "QOP", True),
        ("stp", "E54", False),
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
        ("ccg", "E38000187", True),
        ("stp", "E54000007", True),
        ("stp", "E38000187", False),
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
    assert parent_error("ccg", "stp") is None and parent_error("sub_icb", "stp")
    assert parent_error("gp_practice", "ccg") is None  # a practice's parent in an earlier year


def test_normalise_code():
    assert normalise_code("  e08000009 ") == "E08000009"
    assert normalise_code(None) == ""


def test_fold_and_search_text():
    assert fold("St. Mary’s & St. Helen's — Ménière") == "st marys and st helens meniere"
    assert search_words("  Greater   MANCHESTER greater ") == ["greater", "manchester"]
    assert search_words("") == [] and search_words("!!") == []
    text = search_text("NHS Greater Manchester ICB - 02A", ("02A", "E38000187", "M33 7XX"), ("NHS Trafford CCG",))
    assert text == " nhs greater manchester icb 02a e38000187 m33 7xx trafford ccg m337xx"
