"""Coterminosity measured on hand-made small areas."""

import pytest

from jointcare.places.domain import coterminosity, level_error, threshold_error

pytestmark = pytest.mark.domain


def by_code(result):
    return {b.code: b for b in result.bodies}


def test_body_wholly_inside_one_council_that_it_fills_is_coterminous():
    r = coterminosity([("L1", "B1", "C1"), ("L2", "B1", "C1")])
    b = by_code(r)["B1"]
    assert b.largest_share == 1.0
    assert b.coterminous
    assert [(c.code, c.share, c.council_share) for c in b.councils] == [("C1", 1.0, 1.0)]
    assert not b.spans_several


def test_body_inside_a_council_it_does_not_fill_is_not_coterminous():
    # B1 lies wholly in C1 but C1 also holds B2: C1 is only half in B1.
    r = coterminosity([("L1", "B1", "C1"), ("L2", "B2", "C1")])
    b1 = by_code(r)["B1"]
    assert b1.largest_share == 1.0
    assert b1.councils[0].council_share == 0.5
    assert not b1.coterminous
    assert [o.code for o in r.councils[0].bodies] == ["B1", "B2"]


def test_shares_sorted_largest_first_and_council_side_reported():
    members = [(f"L{i}", "B", "C1") for i in range(3)] + [("L9", "B", "C2"), ("X1", "Other", "C2")]
    b = by_code(coterminosity(members))["B"]
    assert [c.code for c in b.councils] == ["C1", "C2"]
    assert b.councils[0].share == 0.75 and b.councils[1].share == 0.25
    assert b.councils[1].council_share == 0.5
    assert b.spans_several
    assert b.largest_share == 0.75


def test_threshold_is_inclusive_on_both_sides():
    # 19 of B's 20 LSOAs in C (share 0.95); C has 19 LSOAs, all in B (council share 1).
    members = [(f"L{i}", "B", "C") for i in range(19)] + [("L19", "B", "D")]
    assert by_code(coterminosity(members, threshold=0.95))["B"].coterminous
    assert not by_code(coterminosity(members, threshold=0.951))["B"].coterminous
    # And on the council side: C has 20 LSOAs, 19 in B (0.95); B is wholly in C.
    members = [(f"L{i}", "B", "C") for i in range(19)] + [("L19", "Other", "C")]
    assert by_code(coterminosity(members, threshold=0.95))["B"].coterminous
    assert not by_code(coterminosity(members, threshold=0.96))["B"].coterminous


def test_both_conditions_must_hold_for_the_same_council():
    # B: 96% in C1 (but C1 is only 50% B), and C2 lies wholly in B (but is 4% of B).
    members = [(f"L{i}", "B", "C1") for i in range(24)] + [("M0", "B", "C2")]
    members += [(f"N{i}", "Other", "C1") for i in range(24)]
    b = by_code(coterminosity(members))["B"]
    assert b.councils[0].share == 0.96 and b.councils[0].council_share == 0.5
    assert b.councils[1].council_share == 1.0
    assert not b.coterminous


def test_population_weights_change_the_shares():
    members = [("L1", "B", "C1"), ("L2", "B", "C2")]
    counted = by_code(coterminosity(members))["B"]
    assert counted.largest_share == 0.5
    weighted = by_code(coterminosity(members, weights={"L1": 1900, "L2": 100}))["B"]
    assert weighted.councils[0].code == "C1"
    assert weighted.largest_share == 0.95
    assert weighted.coterminous  # C1 holds only L1, all in B


def test_fractional_memberships_split_an_lsoa_between_bodies():
    members = [("L1", "P1", "C1", 0.5), ("L1", "P2", "C1", 0.5), ("L2", "P1", "C1", 1.0)]
    r = coterminosity(members, weights={"L1": 10, "L2": 30})
    p1 = by_code(r)["P1"]
    assert p1.weight == 35
    assert p1.councils[0].council_share == pytest.approx(35 / 40)
    assert by_code(r)["P2"].councils[0].council_share == pytest.approx(5 / 40)


def test_per_body_shares_add_up_to_one_and_per_council_shares_too():
    members = [(f"L{i}", f"B{i % 3}", f"C{i % 4}") for i in range(50)]
    r = coterminosity(members)
    for b in r.bodies:
        assert sum(c.share for c in b.councils) == pytest.approx(1)
    for c in r.councils:
        assert sum(o.share for o in c.bodies) == pytest.approx(1)
    assert r.several_count == 3 and r.coterminous_count == 0


def test_ties_are_broken_by_council_code():
    r = coterminosity([("L1", "B", "C2"), ("L2", "B", "C1")])
    assert [c.code for c in r.bodies[0].councils] == ["C1", "C2"]


@pytest.mark.parametrize("bad", [0, -0.1, 1.01, float("nan"), "0.9"])
def test_bad_thresholds_are_refused(bad):
    assert threshold_error(bad)
    with pytest.raises(ValueError):
        coterminosity([("L1", "B", "C")], threshold=bad)


def test_levels():
    assert level_error("ccg") is None
    assert level_error("sub-icb") is None and level_error("stp") is None
    assert "pct, ccg, stp, sub-icb, icb" in level_error("lad")
