import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jointcare.audit.models import AuditEntry
from jointcare.partnerships import services
from jointcare.partnerships.models import Agreement, Board, BoardMember, Decision, Meeting, Party

pytestmark = pytest.mark.django_db


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def squash(html: str) -> str:
    """The page without the white space between tags and text."""
    return re.sub(r"\s+<", "<", re.sub(r">\s+", ">", html))


def date_parts(name: str, day: dt.date | str | None) -> dict:
    """The three inputs of a GOV.UK date input, as a browser sends them."""
    if day is None:
        return {}
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


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
    response = client.post("/partnerships/new", {"name": "X", "kind": "duty_to_cooperate", **date_parts("starts_on", "2025-04-01")})
    assert response.status_code == 403
    assert client.post(f"/partnerships/{pooled.pk}/start").status_code == 403
    for action in ("end", "terminate"):
        assert client.get(f"/partnerships/{pooled.pk}/{action}").status_code == 403
        assert client.post(f"/partnerships/{pooled.pk}/{action}", {"reason": "x"}).status_code == 403
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
            **date_parts("starts_on", "2025-04-01"),
            **date_parts("ends_on", days(365)),
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
        {**date_parts("held_on", "2025-06-12"), "title": "June board", "attendees": [str(m.pk) for m in members]},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    response = client.post(
        f"/partnerships/{agreement.pk}/decisions/new",
        {"meeting": meeting.pk, "summary": "Approved the plan", "votes_for": "2", "votes_against": "0"},
    )
    assert response.status_code == 302 and Decision.objects.get().reference == "D2025-001"
    assert client.post(f"/partnerships/{agreement.pk}/start").status_code == 302
    body = client.get(f"/partnerships/{agreement.pk}/").content.decode()
    for text in ("Cllr Ada Example", "Elected councillor", "Appointed by an NHS body", "June board", "D2025-001", "Active"):
        assert text in body


def test_form_errors_name_the_fields(client, commissioner, orgs, pooled):
    response = client.post(
        "/partnerships/new",
        {"name": "", "kind": "section_75_pooled_fund", "starts_on-day": "1", "starts_on-month": "13", "starts_on-year": "2025",
         "ends_on-month": "3", "host_code": ""},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    # Every error at once, each linking to its field: a date to its first wrong part.
    for href in ('href="#name"', 'href="#starts_on-month"', 'href="#ends_on-day"', 'href="#host_code"'):
        assert href in body
    assert "Start date must be a real date" in body and "End date must include a day and year" in body
    # The wrong part is highlighted and keeps what was typed; the right ones are not highlighted.
    assert 'nhsuk-input--error" id="starts_on-month" name="starts_on-month" type="text" value="13"' in body
    assert 'nhsuk-date-input__input" id="starts_on-day" name="starts_on-day" type="text" value="1"' in body
    response = client.post(
        "/partnerships/new",
        {"name": "X", "kind": "section_75_pooled_fund", **date_parts("starts_on", "2025-04-01"), "host_code": "ZZZ"},
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


def test_a_refused_start_is_explained(client, commissioner, orgs):
    agreement = services.create_agreement(
        None, name="Solo", kind="duty_to_cooperate", starts_on="2025-04-01", parties=[(orgs["council"], "host")]
    )
    response = client.post(f"/partnerships/{agreement.pk}/start", follow=True)
    assert "at least two parties" in response.content.decode()
    assert Agreement.objects.get().status == "draft"


def _started(orgs, **dates) -> Agreement:
    agreement = services.create_agreement(
        None,
        name="Trafford BCF",
        kind="section_75_pooled_fund",
        parties=[(orgs["council"], "host"), (orgs["sub"], "member")],
        **{"starts_on": days(-30), **dates},
    )
    return services.start_agreement(None, agreement)


def test_start_is_not_offered_before_the_start_date_and_refused_if_asked(client, commissioner, orgs):
    """The finding: 'Start' made an agreement active before its start date."""
    agreement = services.create_agreement(
        None, name="Neighbourhood teams", kind="duty_to_cooperate", starts_on=days(10),
        parties=[(orgs["council"], "member"), (orgs["sub"], "member")],
    )
    body = client.get(f"/partnerships/{agreement.pk}/").content.decode()
    assert "Start the agreement" not in body
    assert f"cannot start before its start date, {days(10).day} {days(10):%B %Y}" in body
    response = client.post(f"/partnerships/{agreement.pk}/start", follow=True)
    assert "cannot start before its start date" in response.content.decode()
    assert Agreement.objects.get().status == "draft"
    services.update_agreement(None, agreement, starts_on=days(0))
    assert "Start the agreement" in client.get(f"/partnerships/{agreement.pk}/").content.decode()
    client.post(f"/partnerships/{agreement.pk}/start")
    assert Agreement.objects.get().status_today == "active"


def test_ending_asks_for_confirmation_on_its_own_page(client, commissioner, orgs):
    """The finding: 'End the agreement' was an ordinary button beside 'Start', with no confirmation."""
    agreement = _started(orgs, ends_on=days(200))
    detail = client.get(f"/partnerships/{agreement.pk}/").content.decode()
    assert f'href="/partnerships/{agreement.pk}/end"' in detail and "<button" not in detail.split("agreement-actions")[1][:600]
    page = client.get(f"/partnerships/{agreement.pk}/end")
    body = page.content.decode()
    assert page.status_code == 200 and Agreement.objects.get().status_today == "active"  # looking changes nothing
    assert "Are you sure you want to end this agreement?" in body
    assert "nhsuk-card--warning" in body and "Ending cannot be undone" in body
    assert "nhsuk-button--warning" in body and f'href="/partnerships/{agreement.pk}/">Cancel</a>' in body
    response = client.post(f"/partnerships/{agreement.pk}/end")
    assert response.status_code == 302 and response["Location"] == f"/partnerships/{agreement.pk}/"
    agreement.refresh_from_db()
    assert (agreement.status_today, agreement.ended_on) == ("ended", timezone.localdate())
    detail = client.get(f"/partnerships/{agreement.pk}/").content.decode()
    assert "Ended on" in detail and "Change the agreement&#39;s details" not in detail and "Add a party" not in detail
    # Asking again: back to the agreement with the reason, nothing written.
    response = client.get(f"/partnerships/{agreement.pk}/end", follow=True)
    assert "that is ended cannot be ended" in response.content.decode()
    assert AuditEntry.objects.filter(action="agreement.end").count() == 1


def test_terminating_asks_for_a_reason_and_confirmation(client, commissioner, orgs):
    agreement = _started(orgs)
    body = client.get(f"/partnerships/{agreement.pk}/terminate").content.decode()
    assert "Are you sure you want to terminate this agreement?" in body and "Terminating cannot be undone" in body
    response = client.post(f"/partnerships/{agreement.pk}/terminate", {"reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#reason"' in body and "Enter the reason for terminating the agreement" in body
    assert Agreement.objects.get().status_today == "active"
    response = client.post(f"/partnerships/{agreement.pk}/terminate", {"reason": "Notice given by <b>the ICB</b>"})
    assert response.status_code == 302
    detail = client.get(f"/partnerships/{agreement.pk}/").content.decode()
    assert "Terminated on" in detail and "Notice given by &lt;b&gt;the ICB&lt;/b&gt;" in detail
    assert Agreement.objects.get().end_reason == "Notice given by <b>the ICB</b>"


def test_an_agreement_past_its_end_date_reads_as_ended_everywhere(client, commissioner, orgs):
    agreement = _started(orgs, ends_on=days(5))
    Agreement.objects.filter(pk=agreement.pk).update(ends_on=days(-1))  # its end date passes
    detail = squash(client.get(f"/partnerships/{agreement.pk}/").content.decode())
    assert ">Ended<" in detail and "End the agreement" not in detail and "Terminate the agreement" not in detail
    listing = client.get("/partnerships/?status=ended").content.decode()
    assert "Trafford BCF" in listing
    assert "Trafford BCF" not in client.get("/partnerships/?status=active").content.decode()
    # A variation extends it, through the same form: only the end date may change.
    assert "extend it with a new end date" in detail
    form = {"name": "Trafford BCF", "kind": "section_75_pooled_fund", **date_parts("starts_on", days(-30))}
    response = client.post(f"/partnerships/{agreement.pk}/edit", {**form, "name": "Renamed", **date_parts("ends_on", days(90))})
    assert response.status_code == 400 and "its details can no longer be changed" in response.content.decode()
    response = client.post(f"/partnerships/{agreement.pk}/edit", {**form, **date_parts("ends_on", days(-2))})
    assert response.status_code == 400 and 'href="#ends_on-day"' in response.content.decode()
    response = client.post(f"/partnerships/{agreement.pk}/edit", {**form, **date_parts("ends_on", days(90))})
    assert response.status_code == 302
    assert Agreement.objects.get().status_today == "active" and Agreement.objects.get().name == "Trafford BCF"
    assert AuditEntry.objects.get(action="agreement.update").after["ends_on"] == days(90).isoformat()


def test_meetings_in_the_future_are_scheduled(client, commissioner, orgs, pooled):
    """The finding: meetings could be recorded in the future; decisions only at held meetings."""
    board = services.create_board(None, pooled, name="Board", quorum=1)
    chair = services.add_board_member(
        None, board, person_name="Ada", organisation=orgs["council"], basis="elected_councillor", user=commissioner
    )
    response = client.post(
        f"/partnerships/{pooled.pk}/meetings/new", {**date_parts("held_on", days(21)), "attendees": [str(chair.pk)]}
    )
    assert response.status_code == 400 and "is scheduled: record who attended once it has been held" in response.content.decode()
    response = client.post(f"/partnerships/{pooled.pk}/meetings/new", {**date_parts("held_on", days(21)), "title": "Next"})
    assert response.status_code == 302
    scheduled = Meeting.objects.get()
    detail = client.get(f"/partnerships/{pooled.pk}/").content.decode()
    assert "Scheduled" in detail and "Not yet held" in detail and "Record a decision" not in detail
    response = client.get(f"/partnerships/{pooled.pk}/decisions/new", follow=True)
    assert "no meeting of the board has been held yet" in response.content.decode()
    response = client.post(f"/partnerships/{pooled.pk}/decisions/new", {"meeting": scheduled.pk, "summary": "x"}, follow=True)
    assert not Decision.objects.exists()
    assert client.post(f"/partnerships/{pooled.pk}/meetings/{scheduled.pk}/attendance", {"attendees": [chair.pk]}).status_code == 400

    client.post(f"/partnerships/{pooled.pk}/meetings/new", {**date_parts("held_on", days(0)), "title": "Today"})
    held = Meeting.objects.get(title="Today")
    page = client.get(f"/partnerships/{pooled.pk}/decisions/new").content.decode()
    assert "Today" in page and "Next" not in page  # only held meetings are offered
    assert f"/meetings/{held.pk}/attendance" in client.get(f"/partnerships/{pooled.pk}/").content.decode()
    response = client.post(f"/partnerships/{pooled.pk}/meetings/{held.pk}/attendance", {"attendees": [str(chair.pk)]})
    assert response.status_code == 302 and list(held.attendees.all()) == [chair]
    response = client.post(f"/partnerships/{pooled.pk}/decisions/new", {"meeting": held.pk, "summary": "Approved"})
    assert response.status_code == 302 and Decision.objects.get().meeting == held
    assert client.get(f"/partnerships/{pooled.pk}/meetings/99999/attendance").status_code == 404


def test_meeting_dates_are_checked_part_by_part(client, commissioner, pooled, orgs):
    board = services.create_board(None, pooled, name="Board")
    services.add_board_member(
        None, board, person_name="Ada", organisation=orgs["council"], basis="elected_councillor", user=commissioner
    )
    response = client.post(
        f"/partnerships/{pooled.pk}/meetings/new", {"held_on-day": "31", "held_on-month": "4", "held_on-year": "2025"}
    )
    body = response.content.decode()
    assert response.status_code == 400 and "Date of the meeting must be a real date" in body
    assert 'href="#held_on-day"' in body and not Meeting.objects.exists()


def test_the_edit_form_shows_the_dates_as_parts(client, commissioner, pooled):
    body = client.get(f"/partnerships/{pooled.pk}/edit").content.decode()
    for name, value in (("starts_on-day", "1"), ("starts_on-month", "4"), ("starts_on-year", "2025")):
        assert f'name="{name}" type="text" value="{value}"' in body
    response = client.post(
        f"/partnerships/{pooled.pk}/edit",
        {"name": pooled.name, "kind": pooled.kind, **date_parts("starts_on", "2025-04-01"), **date_parts("ends_on", "2025-03-31")},
    )
    assert response.status_code == 400 and 'href="#ends_on-day"' in response.content.decode()
    assert Agreement.objects.get().ends_on is None


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


def test_a_members_dates_are_gov_uk_date_inputs_with_every_error_at_once(client, commissioner, orgs, pooled):
    board = services.create_board(None, pooled, name="Board")
    url = f"/partnerships/{pooled.pk}/board/members/new"
    page = client.get(url).content.decode()
    for part in ("day", "month", "year"):
        assert f'id="starts_on-{part}"' in page and f'id="ends_on-{part}"' in page
    response = client.post(
        url,
        {"person_name": "", "organisation_code": "ZZZ", "basis": "elected_councillor", "voting": "yes",
         "starts_on-day": "31", "starts_on-month": "2", "starts_on-year": "2026", **date_parts("ends_on", None),
         "username": "nobody-here"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    # The name, the organisation, the date and the user: all at once, each linking to its field.
    for href in ('href="#person_name"', 'href="#organisation_code"', 'href="#starts_on-day"', 'href="#username"'):
        assert href in body, href
    assert "must be a real date" in body and "No user called &#39;nobody-here&#39;" in body
    response = client.post(
        url,
        {"person_name": "Cllr Ada Example", "organisation_code": "E08000009", "basis": "elected_councillor", "voting": "yes",
         **date_parts("starts_on", "2026-04-01"), **date_parts("ends_on", "2026-03-31")},
    )
    assert response.status_code == 400 and 'href="#ends_on-day"' in response.content.decode()
    assert "after the date they joined" in response.content.decode()
    response = client.post(
        url,
        {"person_name": "Cllr Ada Example", "organisation_code": "E08000009", "basis": "elected_councillor", "voting": "yes",
         **date_parts("starts_on", "2026-04-01"), **date_parts("ends_on", "2027-03-31")},
    )
    assert response.status_code == 302
    member = BoardMember.objects.get(board=board)
    assert (member.starts_on, member.ends_on) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
