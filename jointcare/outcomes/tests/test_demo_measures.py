"""After `jointcare demo`, the measures are those of the demo's own people: its council's CLD is exported from the
records and imported (audited), with labelled demo populations."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jointcare.accounts.models import User
from jointcare.audit.models import AuditEntry
from jointcare.cld.models import Population, Submission
from jointcare.outcomes import compute, domain, source
from jointcare.partnerships.tests.test_demo import reference  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

GSS = "E08000009"


def test_the_demo_computes_its_measures_from_its_people(reference, client):  # noqa: F811
    call_command("demo", stdout=StringIO())
    label = domain.current_period(timezone.localdate())
    (sub,) = Submission.objects.all()
    assert sub.la_code == GSS and sub.status == "loaded"
    assert AuditEntry.objects.filter(action="cld.export").count() == AuditEntry.objects.filter(action="cld.import").count() == 1
    assert set(Population.objects.values_list("area_code", "demo")) == {(GSS, True)}

    out = StringIO()
    call_command("measures", "compute", "--period", label, "--area", "all", "--format", "json", stdout=out)
    printed = json.loads(out.getvalue())
    # the imported figures are those computed straight from the demo's records
    period = domain.parse_period(label)
    with source.from_records(period) as con:
        direct = compute.compute_pack(con, period)
    numerators = {r["code"]: r["numerator"] for r in printed["measures"]}
    assert numerators == {m.code: direct.figure(m, domain.ALL).numerator for m in domain.MEASURES}
    # the demo's people are counted: Bernard's nursing home admission at 95 (2C), Ada's ended reablement (2A)
    assert numerators["2C"] >= 1, numerators
    assert next(r for r in printed["measures"] if r["code"] == "2A")["denominator"] >= 1
    assert all(r["area"] == domain.ALL for r in printed["measures"])

    # the page says the population is the demo's, not an ONS estimate
    client.force_login(User.objects.get(username="analyst"))
    page = client.get("/outcomes/measures/2C", {"period": label}).content.decode()
    assert "41,000 aged 65 and above (demo figure, not an ONS estimate)" in page
