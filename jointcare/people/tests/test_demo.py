import pytest
from django.core.management import call_command

from jointcare.organisations.tests import factories
from jointcare.people import demo, domain, sharing
from jointcare.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(db, settings):
    icb = factories.icb(name="Greater Manchester Health and Social Care Partnership")
    sub = factories.sub_icb(icb, name="NHS Trafford CCG")
    factories.council()
    factories.practice(sub, name="ALTRINCHAM MEDICAL PRACTICE", ods="P91004")
    factories.practice(sub, name="PARK MEDICAL PRACTICE", ods="P91003")
    return icb


def test_the_demo_people_are_synthetic_trafford_residents_known_to_the_demo_users(reference):
    from jointcare.accounts.models import User

    call_command("demo", verbosity=0, stdout=__import__("io").StringIO())
    people = list(Person.objects.select_related("gp_practice"))
    assert len(people) >= demo.COUNT  # the care plans' demo adds its own few people
    assert all(domain.is_synthetic_nhs_number(p.nhs_number) and domain.standardise_nhs_number(p.nhs_number) for p in people[:500])
    assert len({p.nhs_number for p in people}) == len(people)
    assert {p.gp_practice.ods_code for p in people} == {"P91004", "P91003"}
    assert {p.responsible_council for p in people} == {"E08000009"}
    for username in ("social_worker", "community_matron", "care_coordinator"):
        user = User.objects.get(username=username)
        assert any(sharing.can_open(user, p) for p in people[:30]), username
    assert demo.build({}) == 0  # once only
