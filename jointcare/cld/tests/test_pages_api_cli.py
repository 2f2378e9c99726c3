"""The upload page, the submissions pages and their report download, the API and the commands."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from jointcare.accounts import services as accounts
from jointcare.cld import testing
from jointcare.cld.models import Status, Submission

pytestmark = pytest.mark.django_db

LA = "E09000001"


def rows(bad=False):
    first = testing.request("P1", "2025-05-01", nhs_number="9434765919")
    if bad:
        first["NHS_Number"] = "1234567890"
    return [first, testing.review("P2", "2025-07-01")]


@pytest.fixture
def analyst(user_factory):
    return user_factory("ana", roles=["analyst"])


def upload(client, text, dry_run=False, kind="cld"):
    data = {"file": SimpleUploadedFile("cld.csv", text.encode(), content_type="text/csv"), "kind": kind}
    if dry_run:
        data["dry_run"] = "1"
    return client.post(reverse("cld:upload"), data)


def test_upload_page_dry_run_then_load_then_list_and_detail(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("cld:upload")).status_code == 200
    response = upload(client, testing.csv_text(rows()), dry_run=True)
    assert response.status_code == 200 and b"Dry run: nothing loaded" in response.content
    assert not Submission.objects.exists()
    response = upload(client, testing.csv_text(rows()))
    assert response.status_code == 200 and b"Loaded 1 submission" in response.content
    sub = Submission.objects.get()
    listing = client.get(reverse("cld:submissions"))
    assert listing.status_code == 200 and reverse("cld:submission", kwargs={"pk": sub.pk}).encode() in listing.content
    assert client.get(reverse("cld:submission", kwargs={"pk": sub.pk})).status_code == 200


def test_a_bad_upload_shows_the_report_and_keeps_the_rejected_submission(client, analyst):
    client.force_login(analyst)
    response = upload(client, testing.csv_text(rows(bad=True)))
    assert response.status_code == 400
    assert b"nothing was loaded" in response.content and b"NHS_Number" in response.content
    assert b"1234567890" not in response.content  # an identifying value is never repeated
    sub = Submission.objects.get()
    assert sub.status == Status.REJECTED
    detail = client.get(reverse("cld:submission", kwargs={"pk": sub.pk}))
    assert b"not a valid NHS number" in detail.content
    csv = client.get(reverse("cld:report", kwargs={"pk": sub.pk}) + "?format=csv")
    assert csv.status_code == 200 and csv["Content-Disposition"].startswith("attachment")
    assert "2,NHS_Number,The value is not a valid NHS number" in csv.content.decode("utf-8-sig")
    assert client.get(reverse("cld:report", kwargs={"pk": sub.pk}) + "?format=pdf").status_code == 400


def test_hospital_activity_through_the_upload_page(client, analyst):
    client.force_login(analyst)
    text = "NHS_Number,Admission_Date,Discharge_Date,Admission_Method,Discharge_Destination\n9434765919,2025-05-01,2025-05-09,21,19\n"
    response = upload(client, text, kind="hospital")
    assert response.status_code == 200, response.content[:500]


def test_an_unknown_submission_is_404(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("cld:submission", kwargs={"pk": 999_999})).status_code == 404


def test_api_import_answers_rows_and_fields(client, analyst):
    _, token = accounts.create_token(None, analyst, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    bad = SimpleUploadedFile("cld.csv", testing.csv_text(rows(bad=True)).encode(), content_type="text/csv")
    response = client.post("/api/v1/cld/submissions", {"file": bad}, **auth)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"row": 2, "field": "NHS_Number",
                                            "message": "The value is not a valid NHS number (ten digits ending in the right check digit)"}
    good = SimpleUploadedFile("cld.csv", testing.csv_text(rows()).encode(), content_type="text/csv")
    response = client.post("/api/v1/cld/submissions", {"file": good}, **auth)
    assert response.status_code == 200
    assert response.json()["submissions"][0]["la_code"] == LA
    listed = client.get("/api/v1/cld/submissions", **auth).json()
    assert [s["status"] for s in listed] == ["loaded", "rejected"]
    detail = client.get(f"/api/v1/cld/submissions/{listed[1]['id']}", **auth).json()
    assert detail["validation_report"][0]["field"] == "NHS_Number"


def test_cli_import_dry_run_and_failure(tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(testing.csv_text(rows()))
    bad.write_text(testing.csv_text(rows(bad=True)))
    out = io.StringIO()
    call_command("cld", "import", str(good), "--dry-run", stdout=out)
    assert "Dry run: nothing loaded" in out.getvalue() and not Submission.objects.exists()
    with pytest.raises(CommandError, match="NHS_Number"):
        call_command("cld", "import", str(bad))
    call_command("cld", "import", str(good), stdout=out)
    assert Submission.objects.filter(status=Status.LOADED).count() == 1


def test_cli_population_import(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("area_code,age_band,population\nE09000001,18 to 64,6000\n")
    out = io.StringIO()
    call_command("population", "import", str(path), stdout=out)
    assert "1 age bands rows" in out.getvalue() or "1 age bands" in out.getvalue()
