from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from jointcare.accounts.domain import Role
from jointcare.accounts.models import User
from jointcare.organisations.tests import factories
from jointcare.errors import Conflict
from jointcare.partnerships import demo, services
from jointcare.partnerships.domain import MembershipBasis, status_on
from jointcare.partnerships.models import Agreement, BoardMember, Decision, Meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(db):
    """The slice of the reference organisations the demo stands on (real codes, made through the service)."""
    icb = factories.icb(name="Greater Manchester Health and Social Care Partnership")
    sub = factories.sub_icb(icb, name="NHS Trafford CCG")
    factories.council()
    factories.practice(sub, name="ALTRINCHAM MEDICAL PRACTICE", ods="P91004")
    factories.practice(sub, name="PARK MEDICAL PRACTICE", ods="P91003")
    return icb


def test_demo_builds_the_partnership_and_a_user_for_every_role(reference):
    out = StringIO()
    call_command("demo", stdout=out)
    agreement = Agreement.objects.get(name=demo.AGREEMENT_NAME)
    assert agreement.kind == "section_75_pooled_fund" and agreement.status_today == "active"
    roles = {p.organisation.gss_code: p.role for p in agreement.parties.select_related("organisation")}
    assert roles["E08000009"] == "host" and roles["E38000187"] == "member"
    members = BoardMember.objects.filter(board__agreement=agreement)
    assert {m.basis for m in members} == {b.value for b in MembershipBasis}
    assert {m.voting for m in members} == {True, False}
    assert Decision.objects.filter(meeting__board__agreement=agreement).count() == 3
    neighbourhood = Agreement.objects.get(name=demo.NEIGHBOURHOOD_AGREEMENT_NAME)
    assert {"P91004", "P91003"} <= {p.organisation.ods_code for p in neighbourhood.parties.select_related("organisation")}
    for role in Role:
        user = User.objects.get(username=role.value)
        assert user.roles == {role.value} and user.organisation_id
        assert authenticate(username=role.value, password=demo.DEMO_PASSWORD) == user
    assert User.objects.get(username="care_coordinator").organisation.kind == "gp_practice"
    text = out.getvalue()
    assert "http://127.0.0.1:8000/sign-in" in text and "jointcare-demo" in text
    for role in Role:
        assert role.value in text


def test_if_empty_does_nothing_the_second_time(reference):
    call_command("demo", stdout=StringIO())
    counts = (Agreement.objects.count(), User.objects.count(), BoardMember.objects.count())
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert (Agreement.objects.count(), User.objects.count(), BoardMember.objects.count()) == counts
    assert "already present" in out.getvalue() and "commissioner" in out.getvalue()
    with pytest.raises(CommandError, match="already exists"):
        call_command("demo", stdout=StringIO())


def test_missing_geography_is_a_clear_error(db):
    factories.council(name="Salford", gss="E08000006")  # reference data, but not the demo's ICB
    with pytest.raises(CommandError, match="no NHS Greater Manchester ICB"):
        call_command("demo", stdout=StringIO())
    assert not Agreement.objects.exists() and not User.objects.exists()


def test_the_demo_agreements_follow_their_dates(reference):
    """The finding: the demo agreement that ended on 31 March 2026 was still 'Active' and held the 2026-27 pool.
    Every demo agreement's status agrees with its dates, and the Section 75 agreement covers every pool it holds."""
    from jointcare.pool.models import Pool

    call_command("demo", stdout=StringIO())
    today = timezone.localdate()
    for agreement in Agreement.objects.all():
        assert agreement.status_today == status_on(agreement.status, agreement.starts_on, agreement.ends_on, today)
        assert agreement.status_today != "active" or agreement.starts_on <= today
    bcf = Agreement.objects.get(name=demo.AGREEMENT_NAME)
    years = sorted(Pool.objects.filter(agreement=bcf).values_list("financial_year", flat=True))
    this_year = today.year if today.month >= 4 else today.year - 1
    assert years == [this_year - 1, this_year]
    assert all(bcf.covers_financial_year(year) for year in years)
    # Its board has met (decisions at held meetings only) and has its next meeting in the diary.
    meetings = list(Meeting.objects.filter(board__agreement=bcf))
    assert {m.status for m in meetings} == {"held", "scheduled"}
    assert all(d.meeting.status == "held" for d in Decision.objects.filter(meeting__board__agreement=bcf))
    assert all(not m.attendees.exists() for m in meetings if m.status == "scheduled")
    # The neighbourhood agreement is a draft that cannot be started before next April.
    draft = Agreement.objects.get(name=demo.NEIGHBOURHOOD_AGREEMENT_NAME)
    assert draft.status_today == "draft" and draft.starts_on > today
    with pytest.raises(Conflict):
        services.start_agreement(None, draft)
