import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jointcare.partnerships import services
from jointcare.partnerships.models import Agreement, Board, BoardMember, Decision, Meeting, Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner(client, user_factory, orgs):
    """A commissioner of the council, which is a party to the agreements these tests make."""
    user = user_factory("comm", roles=["commissioner"], organisation=orgs["council"])
    client.force_login(user)
    return user


def _agreements(orgs, n):
    for i in range(n):
        services.create_agreement(
            None,
            name=f"Agreement {i:03d}",
            kind="section_75_pooled_fund",
            starts_on="2025-04-01",
            parties=[(orgs["council"], "host"), (orgs["sub"], "member")],
        )


def test_list_uses_a_fixed_number_of_queries(client, commissioner, orgs, django_assert_num_queries):
    _agreements(orgs, 5)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/partnerships/").content.decode()
    assert body.count("Agreement 0") == 5 and body.count(">Trafford<") == 5
    _agreements(orgs, 45)
    with django_assert_num_queries(len(ctx.captured_queries)):
        body = client.get("/partnerships/").content.decode()
    assert body.count(">Trafford<") == 50


def test_view_needs_a_capability_and_sign_in(client, user_factory, pooled):
    assert client.get("/partnerships/").status_code == 302
    client.force_login(user_factory("ana", roles=["analyst"]))
    assert client.get("/partnerships/").status_code == 200
    assert client.get(f"/partnerships/{pooled.pk}/").status_code == 200
    for path in ("new", f"{pooled.pk}/parties/new", f"{pooled.pk}/board/new", f"{pooled.pk}/edit"):
        assert client.get(f"/partnerships/{path}").status_code == 403, path
    response = client.post("/partnerships/new", {"name": "X", "kind": "duty_to_cooperate", "starts_on": "2025-04-01"})
    assert response.status_code == 403
    assert client.post(f"/partnerships/{pooled.pk}/status", {"status": "active"}).status_code == 403
    assert Agreement.objects.count() == 1 and Agreement.objects.get().status == "draft"


def test_meetings_and_decisions_need_decide(client, user_factory, pooled):
    services.create_board(None, pooled, name="Board")
    client.force_login(user_factory("fin", roles=["finance_officer"]))
    assert client.get(f"/partnerships/{pooled.pk}/meetings/new").status_code == 403
    assert client.post(f"/partnerships/{pooled.pk}/decisions/new", {"summary": "x"}).status_code == 403


def test_create_a_partnership_with_a_board_through_the_pages(client, commissioner, orgs):
    response = client.post(
        "/partnerships/new",
        {
            "name": "Trafford Better Care Fund pooled budget",
            "kind": "section_75_pooled_fund",
            "starts_on": "2025-04-01",
            "ends_on": "2026-03-31",
            "scope": "Reablement",
            "host_code": "e08000009",
            "host_id": "",
        },
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/partnerships/{agreement.pk}/"
    assert Party.objects.get(agreement=agreement).role == "host"
    page = client.get(f"/partnerships/{agreement.pk}/parties/new").content.decode()
    assert "NHS Trafford sub-ICB location (02A)" in page  # the select offers likely partners
    assert client.post(f"/partnerships/{agreement.pk}/parties/new", {"organisation_id": orgs["sub"].pk, "role": "member"}).status_code == 302
    assert client.post(f"/partnerships/{agreement.pk}/board/new", {"name": "Joint board", "quorum": "2"}).status_code == 302
    board = Board.objects.get()
    response = client.post(
        f"/partnerships/{agreement.pk}/board/members/new",
        {"person_name": "Cllr Ada Example", "organisation_code": "E08000009", "basis": "elected_councillor", "voting": "yes",
         "position": "Chair", "username": "comm"},
    )
    assert response.status_code == 302
    client.post(
        f"/partnerships/{agreement.pk}/board/members/new",
        {"person_name": "Dr Ben Sample", "organisation_id": orgs["sub"].pk, "basis": "appointed_by_nhs", "voting": "yes"},
    )
    members = list(BoardMember.objects.filter(board=board))
    assert len(members) == 2
    response = client.post(
        f"/partnerships/{agreement.pk}/meetings/new",
        {"held_on": "2025-06-12", "title": "June board", "attendees": [str(m.pk) for m in members]},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    response = client.post(
        f"/partnerships/{agreement.pk}/decisions/new",
        {"meeting": meeting.pk, "summary": "Approved the plan", "votes_for": "2", "votes_against": "0"},
    )
    assert response.status_code == 302 and Decision.objects.get().reference == "D2025-001"
    assert client.post(f"/partnerships/{agreement.pk}/status", {"status": "active"}).status_code == 302
    body = client.get(f"/partnerships/{agreement.pk}/").content.decode()
    for text in ("Cllr Ada Example", "Elected councillor", "Appointed by an NHS body", "June board", "D2025-001", "Active"):
        assert text in body


def test_form_errors_name_the_fields(client, commissioner, orgs, pooled):
    response = client.post(
        "/partnerships/new", {"name": "", "kind": "section_75_pooled_fund", "starts_on": "soon", "host_code": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    for href in ('href="#name"', 'href="#starts_on"', 'href="#host_code"'):
        assert href in body
    response = client.post(
        "/partnerships/new", {"name": "X", "kind": "section_75_pooled_fund", "starts_on": "2025-04-01", "host_code": "ZZZ"}
    )
    assert response.status_code == 400 and "No organisation with code ZZZ" in response.content.decode()
    services.create_board(None, pooled, name="Board")
    response = client.post(
        f"/partnerships/{pooled.pk}/board/members/new",
        {"person_name": "Di", "organisation_id": orgs["charity"].pk, "basis": "appointed_nationally", "voting": "yes"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#organisation_code"' in body and "Co-opted" in body
    assert Agreement.objects.count() == 1


def test_a_refused_transition_is_explained(client, commissioner, orgs):
    agreement = services.create_agreement(
        None, name="Solo", kind="duty_to_cooperate", starts_on="2025-04-01", parties=[(orgs["council"], "host")]
    )
    response = client.post(f"/partnerships/{agreement.pk}/status", {"status": "active"}, follow=True)
    assert "at least two parties" in response.content.decode()
    assert Agreement.objects.get().status == "draft"


def test_unknown_agreement_is_404(client, commissioner):
    response = client.get("/partnerships/9999/")
    assert response.status_code == 404 and "no partnership agreement with id 9999" in response.content.decode()


def test_a_decision_can_be_recorded_at_an_earlier_meeting(client, user_factory, pooled, orgs):
    board = services.create_board(None, pooled, name="Board")
    bea = user_factory("bea", roles=["board_member"], organisation=orgs["council"])
    services.add_board_member(None, board, person_name="Bea", organisation=orgs["council"], basis="elected_councillor", user=bea)
    earlier = services.record_meeting(None, board, held_on="2025-05-01", title="May board")
    services.record_meeting(None, board, held_on="2025-06-01", title="June board")
    client.force_login(bea)
    response = client.post(
        f"/partnerships/{pooled.pk}/decisions/new", {"meeting": str(earlier.pk), "summary": "Agreed the May minutes"}
    )
    assert response.status_code == 302
    assert Decision.objects.get().meeting_id == earlier.pk
