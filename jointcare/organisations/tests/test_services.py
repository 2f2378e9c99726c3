import pytest

from jointcare.audit.models import AuditEntry
from jointcare.errors import FieldError, NotFound
from jointcare.organisations import services
from jointcare.organisations.models import Succession
from jointcare.organisations.tests import factories

pytestmark = pytest.mark.django_db


def test_create_normalises_codes_fills_sector_and_audits(user_factory):
    actor = user_factory("ann", roles=["commissioner"])
    org = services.create_organisation(actor, name=" Trafford ", kind="upper_tier_council", gss_code=" e08000009 ")
    assert (org.name, org.gss_code, org.sector) == ("Trafford", "E08000009", "council")
    entry = AuditEntry.objects.get(action="organisation.create", object_id=str(org.pk))
    assert entry.actor == actor
    assert entry.before is None
    assert entry.after["gss_code"] == "E08000009" and entry.after["sector"] == "council"


@pytest.mark.parametrize(
    "kwargs,field,words",
    [
        (dict(kind="gp_practice", ods_code="12345"), "ods_code", "not a valid ODS code"),
        (dict(kind="upper_tier_council", gss_code="E07000001"), "gss_code", "start E06 or E08"),
        (dict(kind="upper_tier_council", gss_code="X123"), "gss_code", "not a valid GSS code"),
        (dict(kind="icb", sector="council"), "sector", "sector"),
        (dict(kind="provider"), "sector", "Choose the sector"),
        (dict(kind="spaceship"), "kind", "not a kind"),
        (dict(kind="provider", sector="voluntary", parent_id=999999), "parent_id", "No organisation with id"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(kwargs, field, words):
    with pytest.raises(FieldError) as exc:
        services.create_organisation(None, name="X", **kwargs)
    assert exc.value.field == field
    assert words in exc.value.message
    assert not AuditEntry.objects.exists()


def test_blank_name_and_bad_code_are_both_reported():
    with pytest.raises(FieldError) as exc:
        services.create_organisation(None, name="", kind="gp_practice", ods_code="nope")
    assert [e["field"] for e in exc.value.errors] == ["name", "ods_code"]


def test_codes_are_unique_with_a_message_naming_the_holder():
    factories.council()
    with pytest.raises(FieldError) as exc:
        services.create_organisation(None, name="Other", kind="upper_tier_council", gss_code="E08000009")
    assert exc.value.field == "gss_code"
    assert "already used by Trafford" in exc.value.message


def test_parent_must_be_the_right_kind():
    parent = factories.council()
    with pytest.raises(FieldError) as exc:
        services.create_organisation(None, name="Surgery", kind="gp_practice", ods_code="P91004", parent_id=parent.pk)
    assert exc.value.field == "parent_id"


def test_update_records_before_and_after(user_factory):
    actor = user_factory("ann", roles=["commissioner"])
    icb = factories.icb()
    org = factories.sub_icb(icb)
    services.update_organisation(actor, org, name="NHS Trafford", postcode="m33 7fx")
    org.refresh_from_db()
    assert (org.name, org.postcode) == ("NHS Trafford", "M33 7FX")
    entry = AuditEntry.objects.get(action="organisation.update")
    assert entry.before["name"] == "NHS Trafford sub-ICB location"
    assert entry.after["name"] == "NHS Trafford"
    assert entry.after["postcode"] == "M33 7FX"
    assert "name" in entry.summary and "postcode" in entry.summary


def test_update_cannot_make_a_cycle():
    icb = factories.icb()
    sub = factories.sub_icb(icb)
    with pytest.raises(FieldError) as exc:
        services.update_organisation(None, icb, parent_id=sub.pk, kind="provider", sector="nhs")
    assert exc.value.field == "parent_id"


def test_update_refuses_unknown_fields_and_keeps_code_uniqueness():
    factories.council()
    other = factories.council(name="Salford", gss="E08000006")
    with pytest.raises(FieldError) as exc:
        services.update_organisation(None, other, colour="red")
    assert exc.value.field == "colour"
    with pytest.raises(FieldError) as exc:
        services.update_organisation(None, other, gss_code="E08000009")
    assert exc.value.field == "gss_code"


def test_lookup_by_code_and_search():
    icb = factories.icb()
    sub = factories.sub_icb(icb)
    practice = factories.practice(sub, name="Park Medical Practice", ods="P91003")
    assert services.by_code(" p91003 ") == practice
    assert services.by_code("E38000187") == sub
    with pytest.raises(NotFound) as exc:
        services.by_code("ZZZ")
    assert exc.value.field == "code" and "No organisation with code ZZZ" in exc.value.message
    assert list(services.search("park")) == [practice]
    assert list(services.search("02")) == [sub]
    assert list(services.search("", kind="icb")) == [icb]
    assert services.parent_chain(practice) == [sub, icb]


def test_search_matches_every_word_in_any_order_ignoring_case_accents_and_punctuation():
    icb = factories.icb(name="NHS Greater Manchester Integrated Care Board")
    sub = factories.sub_icb(icb, name="NHS Greater Manchester ICB - 02A")
    practice = factories.practice(sub, name="St. Mary's Médical Centre & Clinic", ods="P91010")
    assert list(services.search("manchester greater")) == [sub, icb]  # by name
    assert list(services.search("GREATER  manchester icb 02a")) == [sub]
    assert list(services.search("st marys medical clinic and")) == [practice]
    assert list(services.search("médical")) == list(services.search("MEDICAL")) == [practice]
    assert list(services.search("manchester atlantis")) == []
    assert list(services.search("e54000057")) == [icb]
    assert list(services.search("p91010 centre")) == [practice]
    assert list(services.search("manch")) == [sub, icb] and list(services.search("chester")) == []  # starts of words


def test_former_names_find_today_s_body_and_open_bodies_come_first():
    icb = factories.icb()
    ccg = services.create_organisation(None, name="NHS Trafford CCG", kind="ccg", ods_code="02A", gss_code="E38000187",
                                       active=False)
    sub = factories.sub_icb(icb, name="NHS Greater Manchester ICB - 02A")
    Succession.objects.create(predecessor=ccg, successor=sub, share=1.0, source="reference")
    sub = services.update_organisation(None, sub, postcode="M33 7XX")  # any save refreshes the search text
    assert list(services.search("trafford")) == [sub, ccg]
    assert list(services.search("m337xx")) == list(services.search("m33 7xx")) == [sub]
    assert services.history(sub)["predecessors"][0].predecessor == ccg
    assert services.history(ccg)["successors"][0].successor == sub


def test_a_closed_body_may_share_its_code_with_its_successor_but_open_ones_may_not():
    icb = factories.icb()
    stp = services.create_organisation(None, name="Greater Manchester STP", kind="stp", ods_code="QOP",
                                       gss_code="E54000007", active=False)
    assert stp.ods_code == icb.ods_code == "QOP"
    assert services.by_code("QOP") == icb  # the open one wins
    with pytest.raises(FieldError) as exc:
        services.update_organisation(None, stp, active=True)
    assert exc.value.field == "ods_code" and "already used by NHS Greater Manchester ICB" in exc.value.message
    assert services.pks_by_code("stp", ["E54000007", "E54000099"]) == {"E54000007": stp.pk}


def test_audit_entries_leave_out_the_search_text(user_factory):
    org = services.create_organisation(None, name="Trafford", kind="upper_tier_council", gss_code="E08000009")
    entry = AuditEntry.objects.get(action="organisation.create", object_id=str(org.pk))
    assert "search_text" not in entry.after and entry.after["name"] == "Trafford"
