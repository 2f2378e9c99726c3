"""`reference_data`: all of England's shipped reference data, loaded once for the tests of a package.

Reuse it elsewhere with `from jointcare.places.tests.conftest import reference_data  # noqa: F401` in your
conftest.py. It loads through `services.load_reference` (a few seconds) outside the per-test transactions,
and removes what it loaded when the package's tests are done, so other tests see an empty reference.
Do not combine it with `transaction=True` tests in the same package (those flush the database).
"""

import pytest

from jointcare.audit.models import AuditEntry
from jointcare.organisations.models import Organisation, Succession
from jointcare.places import report, services
from jointcare.places.models import Area, Lsoa, Lsoa21, LsoaPctShare, PctCcg13Share, ReferenceState


def clear_reference() -> None:
    Succession.objects.all().delete()
    Organisation.objects.filter(source=services.REFERENCE, kind="gp_practice").delete()
    for kind in ("district_council", "sub_icb", "ccg", "pct", "upper_tier_council", "icb", "stp"):
        Organisation.objects.filter(source=services.REFERENCE, kind=kind).delete()
    for model in (LsoaPctShare, PctCcg13Share, Lsoa, Lsoa21, Area, ReferenceState):
        model.objects.all().delete()
    AuditEntry.objects.filter(action="reference.load").delete()
    report.clear_cache()


@pytest.fixture(scope="package")
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = services.load_reference(None)
    yield result
    with django_db_blocker.unblock():
        clear_reference()
