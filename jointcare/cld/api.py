"""Client Level Data over the API: the submissions received (with their validation reports) and imports of CLD
and hospital activity files, all or nothing, with a dry run. Populations are read at `/cld/populations`."""

from __future__ import annotations

import datetime as dt

from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from jointcare.accounts.access import api_user, check_somewhere
from jointcare.cld import services
from jointcare.cld.models import Population, Submission
from jointcare.errors import FieldError, NotFound
from jointcare.schemas import READ_ERRORS, WRITE_ERRORS, PathId

router = Router(tags=["cld"])
MAX_LISTED = 1000


class ProblemOut(Schema):
    row: int | None
    field: str
    reason: str


class SubmissionOut(Schema):
    id: int
    la_code: str
    reporting_period_start: dt.date
    reporting_period_end: dt.date
    received_at: dt.datetime
    file_name: str
    row_count: int
    status: str
    error_count: int


class SubmissionDetailOut(SubmissionOut):
    release_1_columns: int
    release_1_values: int
    validation_report: list[ProblemOut]


class PopulationOut(Schema):
    area_code: str
    age_band: str
    population: int


@router.get("/submissions", response={200: list[SubmissionOut], **READ_ERRORS},
            summary="Every CLD submission received, loaded or rejected (newest period first, per council)")
def list_submissions(request):
    check_somewhere(api_user(request), "cld.view")
    return list(Submission.objects.all()[:MAX_LISTED])


@router.get("/submissions/{submission_id}", response={200: SubmissionDetailOut, **READ_ERRORS},
            summary="One submission with its validation report (row, field, reason)")
def get_submission(request, submission_id: PathId):
    check_somewhere(api_user(request), "cld.view")
    found = Submission.objects.filter(pk=submission_id).first()
    if found is None:
        raise NotFound(f"There is no submission {submission_id}")
    return found


@router.get("/populations", response={200: list[PopulationOut], **READ_ERRORS},
            summary="Populations by area and age band (the per-100,000 denominators)")
def list_populations(request):
    check_somewhere(api_user(request), "cld.view")
    return list(Population.objects.all()[:20_000])


def _answer(outcome, dry_run: bool) -> dict:
    if not outcome.ok:
        errors = [{"row": r["row"], "field": r["field"], "message": r["reason"]} for r in outcome.report()]
        raise FieldError(
            f"{outcome.file_name}: {outcome.error_count:,} problems; nothing was loaded (a file loads whole or not at all)",
            errors=errors or [{"field": "file", "message": "the file has problems"}],
        )
    return {
        "file": outcome.file_name,
        "dry_run": dry_run,
        "rows": outcome.rows,
        "submissions": [s.as_dict() for s in outcome.submissions],
    }


@router.post("/submissions", response={200: dict, **WRITE_ERRORS},
             summary="Import a CLD file (CSV or XLSX; several councils' submissions allowed), all or nothing")
def import_submissions(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    user = api_user(request)
    check_somewhere(user, "cld.import")
    return _answer(services.import_upload(user, file, "cld", dry_run=dry_run), dry_run)


@router.post("/hospital-activity", response={200: dict, **WRITE_ERRORS},
             summary="Import hospital activity (NHS number, admission and discharge), all or nothing")
def import_hospital(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    user = api_user(request)
    check_somewhere(user, "cld.import")
    return _answer(services.import_upload(user, file, "hospital", dry_run=dry_run), dry_run)
