import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointcare.money import MoneyError, format_pence, parse_pounds, split_largest_remainder

pytestmark = pytest.mark.domain


@pytest.mark.parametrize(
    "text,pence",
    [("0", 0), ("12", 1200), ("12.5", 1250), ("12.05", 1205), ("£1,234.56", 123456), ("-3.10", -310), (" 7 ", 700)],
)
def test_parse_pounds(text, pence):
    assert parse_pounds(text) == pence


@pytest.mark.parametrize("text", ["", "abc", "1.234", "1,23", "12.3.4", "£", "1e5", "NaN"])
def test_parse_pounds_refuses(text):
    with pytest.raises(MoneyError):
        parse_pounds(text)


def test_format_pence():
    assert format_pence(123456) == "£1,234.56"
    assert format_pence(-5) == "-£0.05"
    assert format_pence(0, symbol=False) == "0.00"


def test_split_worked_example():
    # £100.00 three ways: 3333, 3333, 3334? Largest remainder gives the spare penny to the first tie.
    assert split_largest_remainder(10000, [1, 1, 1]) == [3334, 3333, 3333]
    assert split_largest_remainder(-10000, [1, 1, 1]) == [-3334, -3333, -3333]
    assert split_largest_remainder(101, [60, 40]) == [61, 40]


def test_split_refuses_bad_weights():
    with pytest.raises(MoneyError):
        split_largest_remainder(100, [])
    with pytest.raises(MoneyError):
        split_largest_remainder(100, [0, 0])
    with pytest.raises(MoneyError):
        split_largest_remainder(100, [1, -1])


@given(
    total=st.integers(min_value=-10**12, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12).filter(lambda w: sum(w) > 0),
)
def test_split_always_adds_back_and_is_fair(total, weights):
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    s = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = total * w / s
        assert abs(part - exact) < 1 + 1e-6 * abs(exact)
        if w == 0:
            assert part == 0


@given(pence=st.integers(min_value=-10**12, max_value=10**12))
def test_format_then_parse_round_trips(pence):
    assert parse_pounds(format_pence(pence)) == pence
