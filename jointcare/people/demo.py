"""The demo's people: synthetic residents of Trafford (999-range NHS numbers, invented names and postcodes),
registered with the real Trafford GP practices of the reference data, living in real Trafford LSOAs, with care
teams that give the demo users their relationships. Built by `jointcare demo`."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from jointcare.audit.services import record
from jointcare.organisations.domain import Kind
from jointcare.organisations.models import Organisation
from jointcare.people import domain, vocabulary
from jointcare.people.models import CareTeamMember, Person

COUNT = 3_000
PREFIX = "DEMO-"  # council person IDs of the demo's people
TRAFFORD = "E08000009"
GIVEN = ("Margaret", "John", "Patricia", "David", "Susan", "Peter", "Jean", "Brian", "Irene", "Kenneth", "Doris",
         "Ahmed", "Fatima", "Mohammed", "Aisha", "Siân", "Eóin", "Zoë", "Renée", "Tomás", "Grace", "Harold",
         "Winifred", "Dorothy", "Raj", "Priya", "Joan", "Stanley", "Mary", "Albert", "Nuala", "Kwame", "Ama")
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
          "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan",
          "Begum", "Hussain", "O'Brien", "Núñez", "Kowalski", "Murphy", "Okafor", "Mensah", "Patel", "Shah")
OUTWARD = ("M33", "M32", "M41", "M31", "M16", "WA14", "WA15", "M17", "M90")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
ETHNICITY_WEIGHTS = {"white_british": 70, "white_irish": 3, "white_other": 5, "asian_pakistani": 6, "asian_indian": 4,
                     "black_african": 3, "black_caribbean": 2, "mixed_other": 2, "other_any": 2, "not_known": 3}
ACCOMMODATION_WEIGHTS = {"owner_occupier": 55, "tenant": 20, "tenant_private": 6, "with_family": 6, "sheltered": 6,
                         "care_home": 4, "nursing_home": 3}


def exists() -> bool:
    return Person.objects.filter(council_person_id__startswith=PREFIX).exists()


def _postcode(rng: random.Random) -> str:
    return domain.standardise_postcode(
        f"{rng.choice(OUTWARD)}{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}")


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def practices() -> list[Organisation]:
    from jointcare.partnerships.demo import SUB_ICB_CODE

    sub = Organisation.objects.filter(gss_code=SUB_ICB_CODE, active=True).first() or Organisation.objects.filter(
        ods_code=SUB_ICB_CODE, active=True).first()
    qs = Organisation.objects.filter(kind=Kind.GP_PRACTICE, active=True)
    return list((qs.filter(parent=sub) if sub else qs.none()).order_by("ods_code"))


@transaction.atomic
def build(users: dict, count: int = COUNT, seed: int = 2026) -> int:
    """Add `count` synthetic people (once: nothing when they exist). Returns how many were added."""
    from jointcare.places.models import Lsoa21

    if exists():
        return 0
    rng = random.Random(seed)
    gps = practices()
    lsoas = list(Lsoa21.objects.filter(council=TRAFFORD).order_by("code").values_list("code", flat=True))
    conditions = list(vocabulary.CONDITIONS)
    today = dt.date.today()
    people = []
    for i in range(count):
        age = rng.choice((rng.randint(18, 64), rng.randint(65, 84), rng.randint(65, 100), rng.randint(75, 100)))
        born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        person = Person(
            nhs_number=domain.synthetic_nhs_number(1 + i * 7), council_person_id=f"{PREFIX}{i + 1:05d}",
            given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY), date_of_birth=born,
            sex=rng.choice(("male", "female")), gender="same", ethnicity=_pick(rng, ETHNICITY_WEIGHTS),
            postcode=_postcode(rng), lsoa_code=rng.choice(lsoas) if lsoas else None,
            gp_practice=rng.choice(gps) if gps else None, responsible_council=TRAFFORD,
            accommodation=_pick(rng, ACCOMMODATION_WEIGHTS),
            long_term_conditions=sorted(rng.sample(conditions, rng.choice((0, 1, 1, 2, 3)))),
            consent_to_share=rng.random() < 0.9, national_opt_out=rng.random() < 0.05, restricted=rng.random() < 0.01,
        )
        person.family_key, person.given_key = domain.name_key(person.family_name), domain.name_key(person.given_name)
        people.append(person)
    people = Person.objects.bulk_create(people, batch_size=1000)
    if people and people[0].pk is None:
        people = list(Person.objects.filter(council_person_id__startswith=PREFIX).order_by("pk"))
    team = []
    workers = [(users.get(r), r) for r in ("social_worker", "community_matron", "care_coordinator")]
    for n, person in enumerate(people):
        user, role = workers[n % 3]
        if user is not None and n % 10 < 3:  # the demo workers each hold a caseload of about 100
            team.append(CareTeamMember(person=person, user=user, name=user.get_full_name() or user.username,
                                       role="other" if role == "care_coordinator" else role,
                                       organisation_id=user.organisation_id, is_coordinator=True))
        if n % 25 == 0 and n + 1 < len(people):  # an unpaid carer who has a record of their own
            carer = people[n + 1]
            team.append(CareTeamMember(person=person, name=f"{carer.given_name} {carer.family_name}",
                                       role="unpaid_carer", carer_record=carer))
    CareTeamMember.objects.bulk_create(team, batch_size=1000)
    record(None, "person.import", summary=f"Built {len(people)} synthetic demo people",
           after={"count": len(people), "care_team": len(team)})
    return len(people)
