"""Reading ONS lookups of today's geography: column names give the vintage; problems name file, row and column."""

import pytest

from jointcare.errors import FieldError
from jointcare.places.lookups import read_councils, read_current

pytestmark = pytest.mark.domain

COUNCILS = [
    ["\ufeffLTLA23CD", "LTLA23NM", "LTLA23NMW", "UTLA23CD", "UTLA23NM", "UTLA23NMW", "ObjectId"],
    ["E08000009", "Trafford", "", "E08000009", "Trafford", "", "1"],
    ["E07000037", "High Peak", "", "E10000007", "Derbyshire", "", "2"],
    ["W06000001", "Isle of Anglesey", "Ynys Môn", "W06000001", "Isle of Anglesey", "Ynys Môn", "3"],
]
BODIES = ["SICBL24CD", "SICBL24CDH", "SICBL24NM", "ICB24CD", "ICB24CDH", "ICB24NM"]
TRAFFORD = ["E38000187", "02A", "NHS Greater Manchester ICB - 02A", "E54000057", "QOP", "NHS Greater Manchester Integrated Care Board"]
DERBYSHIRE = ["E38000261", "15M", "NHS Derby and Derbyshire ICB - 15M", "E54000058", "QJ2", "NHS Derby and Derbyshire Integrated Care Board"]


def lookup(*rows, header=("LSOA21CD", *BODIES, "LAD23CD", "LAD24CD")):
    return [list(header), *[list(r) for r in rows]]


def problem(call) -> str:
    with pytest.raises(FieldError) as e:
        call()
    return e.value.message


def test_a_full_ons_lookup_is_read_with_its_vintage():
    councils = read_councils(COUNCILS)
    assert councils.year == 2023 and "W06000001" not in councils.districts
    assert councils.districts["E07000037"] == ("High Peak", "E10000007")
    geo = read_current(lookup(["E01006001", *TRAFFORD, "E08000009", "E08000009"],
                              ["E01019000", *DERBYSHIRE, "E07000037", "E07000037"],
                              ["W01000001", "W", "", "", "", "", "", "W06000001", "W06000001"]), councils)
    assert geo.vintage == (2024, 2023)
    assert geo.lsoas == {"E01006001": ("E38000187", "E08000009", "E08000009"),
                         "E01019000": ("E38000261", "E07000037", "E10000007")}
    assert geo.sub_icbs["E38000187"] == ("02A", "NHS Greater Manchester ICB - 02A", "E54000057")
    assert geo.icbs["E54000058"] == ("QJ2", "NHS Derby and Derbyshire Integrated Care Board")


def test_names_may_come_from_the_sub_icb_list():
    councils = read_councils(COUNCILS)
    bare = lookup(["E01006001", "E38000187", "E08000009"], header=("LSOA21CD", "SICBL24CD", "LAD23CD"))
    assert "give the Sub-ICB location list too" in problem(lambda: read_current(bare, councils))
    geo = read_current(bare, councils, [BODIES, TRAFFORD, DERBYSHIRE])
    assert set(geo.sub_icbs) == {"E38000187"} and set(geo.icbs) == {"E54000057"}  # only the bodies in use
    old_list = [[c.replace("24", "23") for c in BODIES], TRAFFORD]
    assert "lacks the columns SICBL24CD" in problem(lambda: read_current(bare, councils, old_list))


@pytest.mark.parametrize(
    "rows,message",
    [
        ([["E01006001", *TRAFFORD, "E08000099", "E08000099"]], "LSOA lookup, row 2, LAD23CD: E08000099 is not a district"),
        ([["E0100600", *TRAFFORD, "E08000009", "E08000009"]], "row 2, LSOA21CD: 'E0100600' is not an English LSOA code"),
        ([["E01006001", *TRAFFORD, "E08000009", "E08000009"]] * 2, "row 3, LSOA21CD: E01006001 appears more than once"),
        ([["E01006001", *TRAFFORD, "E08000009", "E08000009"],
          ["E01006002", *TRAFFORD[:2], "Another name", *TRAFFORD[3:], "E08000009", "E08000009"]],
         "row 3, SICBL24NM: E38000187 differs from LSOA lookup row 2"),
        ([["E01006001", *TRAFFORD[:4], "Q1", *TRAFFORD[5:], "E08000009", "E08000009"]], "row 2, ICB24CDH: 'Q1' is not a valid ODS code"),
        ([["E01006001", "E38000187"]], "row 2, columns: expected at least 8 columns, found 2"),
        ([], "the file has no English LSOAs"),
    ],
)
def test_problems_name_the_file_row_and_column(rows, message):
    councils = read_councils(COUNCILS)
    assert message in problem(lambda: read_current(lookup(*rows), councils))


def test_problems_with_the_councils_lookup():
    assert "expected one UTLAyyCD column" in problem(lambda: read_councils([["LTLA23CD", "LTLA23NM", "X", "UTLA23NM"]]))
    bad = [COUNCILS[0], ["E07000037", "High Peak", "", "E07000001", "Derbyshire", "", "1"]]
    assert "row 2, UTLA23CD: 'E07000001' is not a code of a council with social services" in problem(lambda: read_councils(bad))
    assert "the file is empty" in problem(lambda: read_councils([]))
