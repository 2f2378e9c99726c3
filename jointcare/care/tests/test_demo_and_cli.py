"""The demo's care teams, rules and referrals, and `createuser --team`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jointcare.accounts.models import User
from jointcare.care.demo import NEIGHBOURHOOD, REABLEMENT
from jointcare.care.models import Referral, Team
from jointcare.partnerships.tests.test_demo import reference  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_the_demo_builds_teams_rules_members_and_referrals(reference):  # noqa: F811
    out = StringIO()
    call_command("demo", stdout=out)
    reablement = Team.objects.get(name=REABLEMENT)
    assert set(reablement.members.values_list("username", flat=True)) == {"social_worker", "community_matron"}
    assert "care_coordinator" in Team.objects.get(name=NEIGHBOURHOOD).members.values_list("username", flat=True)
    discharges = Referral.objects.filter(route="hospital_discharge")
    assert discharges.exists() and {r.team.name for r in discharges} == {REABLEMENT}
    assert {r.status for r in Referral.objects.all()} >= {"unclaimed", "claimed", "contacted", "closed"}
    assert {r.outcome for r in Referral.objects.filter(status="closed")} == {"progress_reablement", "nfa_information"}
    assert "Built the demo care teams" in out.getvalue()


def test_createuser_joins_teams(reference):  # noqa: F811
    from jointcare.care import services
    from jointcare.organisations.models import Organisation

    council = Organisation.objects.get(gss_code="E08000009")
    services.create_team(None, name="Trafford Reablement Team", organisation=council)
    out = StringIO()
    call_command("createuser", "rita", "--role", "social_worker", "--organisation", "E08000009",
                 "--team", "trafford reablement team", "--password", "a-long-enough-password", stdout=out)
    assert "member of Trafford Reablement Team" in out.getvalue()
    assert User.objects.get(username="rita").care_teams.get().name == "Trafford Reablement Team"
    with pytest.raises(CommandError, match="--team: no team called 'Nowhere'"):
        call_command("createuser", "ravi", "--role", "social_worker", "--team", "Nowhere", "--password", "a-long-enough-password")
    assert not User.objects.filter(username="ravi").exists()
