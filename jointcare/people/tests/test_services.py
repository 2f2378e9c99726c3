"""Void and merge keep every record and its history; carers; council derivation; the sharing registry."""

from __future__ import annotations

import datetime as dt

import pytest

from jointcare.errors import Conflict, FieldError
from jointcare.people import services, sharing
from jointcare.people.models import Person

pytestmark = pytest.mark.django_db


def test_void_keeps_the_record_and_refuses_a_second_void(people_world, person):
    services.void_person(people_world.admin, person, "Made in error")
    person.refresh_from_db()
    assert person.voided_at and person.void_reason == "Made in error"
    with pytest.raises(Conflict):
        services.void_person(people_world.admin, person, "Again please")
    with pytest.raises(FieldError):
        services.update_person(people_world.social_worker, person, postcode="M33 7ZZ")


def test_merge_keeps_both_histories(people_world, person):
    twin = services.create_person(None, given_name="Sian", family_name="Obrien", date_of_birth=person.date_of_birth,
                                  responsible_council="E08000009")
    services.add_care_team_member(None, twin, user=people_world.outsider, role="district_nurse")
    sharing.open_record(people_world.outsider, twin)
    services.merge_people(people_world.admin, person, twin, "Same person")
    twin.refresh_from_db()
    assert twin.merged_into == person and twin.voided_at is not None
    assert person.care_team.filter(user=people_world.outsider).exists()  # the care team moved across
    log = list(sharing.access_log(person))
    assert {(e.object_id, e.action) for e in log} >= {(str(twin.pk), "person.view"), (str(twin.pk), "person.merge"),
                                                      (str(person.pk), "person.merge"), (str(person.pk), "person.create")}


def test_records_with_different_nhs_numbers_are_not_merged(people_world, person):
    other = services.create_person(None, **people_world.person_fields(serial=2))
    with pytest.raises(FieldError, match="different NHS numbers"):
        services.merge_people(people_world.admin, person, other, "Same person")
    with pytest.raises(FieldError):
        services.merge_people(people_world.admin, person, person, "Same person")


def test_a_merge_takes_the_duplicates_nhs_number_when_the_kept_record_has_none(people_world):
    kept = services.create_person(None, given_name="A", family_name="B", date_of_birth=dt.date(1950, 1, 1),
                                  responsible_council="E08000009")
    twin = services.create_person(None, **people_world.person_fields(serial=3, given_name="A", family_name="B"))
    services.merge_people(None, kept, twin, "Same person")
    kept.refresh_from_db()
    assert kept.nhs_number == twin.nhs_number


def test_an_unpaid_carer_and_whom_they_care_for(people_world, person):
    carer = services.create_person(None, **people_world.person_fields(serial=4, given_name="Tom"))
    services.add_care_team_member(None, person, name="Tom O'Brien", role="unpaid_carer", carer_record=carer)
    assert [m.person for m in carer.cares_for.all()] == [person]
    with pytest.raises(FieldError):
        services.add_care_team_member(None, person, name="Tom", role="gp", carer_record=carer)


def test_a_new_coordinator_replaces_the_last(people_world, person):
    services.add_care_team_member(None, person, user=people_world.matron, role="community_matron", is_coordinator=True)
    assert list(person.care_team.filter(is_coordinator=True).values_list("user__username", flat=True)) == ["matron"]


def test_an_ended_place_on_the_team_gives_no_access(people_world, person):
    person.care_team.update(started_on=dt.date.today() - dt.timedelta(days=30))
    member = person.care_team.get(user=people_world.social_worker)
    services.end_care_team_member(None, member, dt.date.today() - dt.timedelta(days=1))
    sharing.forget(people_world.social_worker, person)
    assert not sharing.can_open(people_world.social_worker, person)


def test_registered_relationships_count_but_not_for_restricted_records(people_world, person):
    outsider = people_world.outsider

    def holds_a_referral(user, p):
        return user.username == "outsider"

    sharing.register_relationship(holds_a_referral)
    try:
        assert sharing.can_open(outsider, person)
        services.update_person(None, person, restricted=True)
        person.refresh_from_db()
        sharing.forget(outsider, person)
        assert not sharing.can_open(outsider, person)
    finally:
        sharing._RELATIONSHIPS.remove(holds_a_referral)


def test_the_lsoa_sets_the_council_on_update_and_an_override_needs_a_reason(people_world, person):
    services.update_person(None, person, lsoa_code="E01006100")
    with pytest.raises(FieldError) as caught:
        services.update_person(None, person, responsible_council="E08000003")
    assert caught.value.errors[0]["field"] == "responsible_council_reason"
    services.update_person(None, person, responsible_council="E08000003", responsible_council_reason="Ordinary residence in Manchester")
    person.refresh_from_db()
    assert person.responsible_council == "E08000003"


def test_the_live_nhs_number_is_unique_in_the_database(people_world, person):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(nhs_number=person.nhs_number, given_name="X", family_name="Y",
                              date_of_birth=dt.date(1950, 1, 1), responsible_council="E08000009")
