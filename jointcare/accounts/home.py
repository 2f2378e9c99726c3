"""What each signed-in user has to do now: the home page's sections, read from the other contexts.

Each section is built only for users whose roles could use it, from what their partnership lets them see.
Pools are looked at one by one (their lifecycle and figures), so at most `HOME_POOLS` of them, newest year
first: the page's queries stay bounded however many pools there are, and a link leads to the full list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from jointcare.accounts.access import can_somewhere, scoped, your_agreements
from jointcare.accounts.domain import CARE_ROLES
from jointcare.accounts.models import ApiToken, SignInCounter, User
from jointcare.audit.models import AuditEntry
from jointcare.grammar import plural

HOME_POOLS = 6  # pools looked at on the home page; the rest are a click away
RECENT = 5  # recent imports, decisions, failed sign-ins shown
TOKEN_WARNING_DAYS = 14  # tokens expiring within this many days are flagged


@dataclass
class Item:
    """One line of a home section: words, where they lead, and an optional tag (text, NHS.UK tag colour)."""

    text: str
    href: str
    detail: str = ""
    tag: tuple[str, str] | None = None


@dataclass
class Section:
    heading: str
    items: list[Item] = field(default_factory=list)
    empty: str = "Nothing to do."
    more: tuple[str, str] | None = None  # (text, href) of a link to everything


RAG_TAGS = {"red": ("Red", "nhsuk-tag--red"), "amber": ("Amber", "nhsuk-tag--orange"), "green": ("Green", "nhsuk-tag--green")}


def _pools(user, action: str):
    from jointcare.pool.models import Pool

    qs = scoped(user, action, Pool.objects.select_related("agreement"))
    return list(qs.order_by("-financial_year", "name")[:HOME_POOLS])


def finance_sections(user, today: dt.date) -> list[Section]:
    from jointcare.pool.domain import month_label
    from jointcare.pool.services import available_actions

    close = Section("Months to close", empty="No month is ready to close.")
    settle = Section("Pools awaiting settlement", empty="No pool is waiting to be settled.")
    for pool in _pools(user, "pool.close"):
        actions = available_actions(pool, today)
        href = reverse("pool:detail", args=[pool.pk])
        if actions.get("close_month"):
            close.items.append(Item(f"Close {month_label(pool.financial_year, actions['close_month'])}", href, str(pool)))
        if actions.get("settle"):
            settle.items.append(Item(f"Settle {pool}", reverse("pool:settle", args=[pool.pk]), actions.get("state_label", "")))
    sections = [close, settle, rag_section(user, today, only_alerts=True)]
    imports = Section("Recent imports", empty="No spend has been imported yet.")
    pool_ids = [str(p.pk) for p in _pools(user, "pool.post")]
    # an actuals import is one entry for the file; its chunks' bulk postings (source "import:<file>") are not listed
    entries = AuditEntry.objects.filter(
        action__in=["pool.post_bulk", "pool.import_actuals"], object_type="pool.pool", object_id__in=pool_ids
    ).exclude(action="pool.post_bulk", after__source__startswith="import:")
    for e in entries.order_by("-at")[:RECENT]:
        imports.items.append(
            Item(e.summary or "Import", reverse("pool:detail", args=[int(e.object_id)]), f"{_when(e.at)} by {e.actor_name}")
        )
    sections.append(imports)
    return sections


def rag_section(user, today: dt.date, *, only_alerts: bool) -> Section:
    """The pools' forecast against budget: with `only_alerts`, red and amber pools only."""
    from jointcare.money import format_pence
    from jointcare.pool.services import monitoring

    heading = "Pools forecast to miss their budget" if only_alerts else "The pools at a glance"
    section = Section(heading, empty="Every pool is on budget." if only_alerts else "No pooled budget to show.")
    section.more = ("All pooled budgets", reverse("pool:list"))
    for pool in _pools(user, "pool.view"):
        totals = monitoring(pool, today=today)["total"].totals
        if only_alerts and totals["rag"] == "green":
            continue
        variance = totals["variance"]
        over = "over" if variance > 0 else "under"
        detail = (
            f"Budget {format_pence(totals['budget'])}, forecast {format_pence(totals['forecast'])}"
            + (f", {format_pence(abs(variance))} {over} budget" if variance else ", on budget")
        )
        section.items.append(Item(str(pool), reverse("pool:monitoring", args=[pool.pk]), detail, RAG_TAGS[totals["rag"]]))
    return section


def partnership_sections(user, today: dt.date) -> list[Section]:
    from jointcare.partnerships.models import Agreement, Decision, Meeting

    ids = your_agreements(user)
    agreements = Section("Your partnerships", empty="Your organisation is not party to a partnership agreement yet.")
    for a in Agreement.objects.filter(pk__in=ids).order_by("name"):
        agreements.items.append(
            Item(a.name, reverse("partnerships:detail", args=[a.pk]), a.kind_label, (a.status_label, a.status_tag_classes))
        )
    meetings = Section("Board meetings", empty="No meeting is scheduled or recorded.")
    mine = Meeting.objects.filter(board__agreement_id__in=ids).select_related("board__agreement")
    upcoming = list(mine.filter(held_on__gte=today).order_by("held_on")[:RECENT])
    held = list(mine.filter(held_on__lt=today).order_by("-held_on")[:RECENT])
    for m in upcoming:
        meetings.items.append(_meeting_item(m, "Next meeting", ("Scheduled", "nhsuk-tag--blue")))
    for m in held:
        meetings.items.append(_meeting_item(m, "Held", ("Held", "nhsuk-tag--grey")))
    decisions = Section("Decisions recently recorded", empty="No decision has been recorded.")
    for d in (
        Decision.objects.filter(meeting__board__agreement_id__in=ids)
        .select_related("meeting__board__agreement")
        .order_by("-recorded_at")[:RECENT]
    ):
        agreement = d.meeting.board.agreement
        decisions.items.append(
            Item(f"{d.reference}: {d.summary}", reverse("partnerships:detail", args=[agreement.pk]) + "#decisions",
                 f"{agreement.name}, meeting of {_day(d.meeting.held_on)}")
        )
    return [agreements, meetings, decisions]


def _meeting_item(m, what: str, tag) -> Item:
    agreement = m.board.agreement
    title = m.title or m.board.name
    return Item(f"{title}, {_day(m.held_on)}", reverse("partnerships:detail", args=[agreement.pk]) + "#meetings",
                agreement.name, tag)


def administrator_sections(user, now: dt.datetime) -> list[Section]:
    people = Section("Users")
    active = User.objects.filter(is_active=True).count()
    people.items.append(Item(plural(active, "active user"), reverse("audit:list") + "?what=user"))
    tokens = Section("API tokens about to expire", empty=f"No token expires in the next {TOKEN_WARNING_DAYS} days.")
    soon = now + dt.timedelta(days=TOKEN_WARNING_DAYS)
    for t in (
        ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=soon)
        .select_related("user")
        .order_by("expires_at")[:RECENT * 2]
    ):
        tokens.items.append(
            Item(f"{t.name or t.prefix} ({t.user.username})", reverse("audit:list") + f"?object=token:{t.pk}",
                 f"Expires {_when(t.expires_at)}")
        )
    failures = Section("Recent failed sign-ins", empty="No failed sign-in in the current window.")
    for c in SignInCounter.objects.filter(failures__gt=0).order_by("-window_started")[:RECENT * 2]:
        kind, _, who = c.key.partition(":")
        what = f"Username {who}" if kind == "user" else f"Address {who}"
        failures.items.append(
            Item(f"{what}: {plural(c.failures, 'failed attempt')}",
                 reverse("audit:list") + ("?who=" + who if kind == "user" else ""), f"Since {_when(c.window_started)}")
        )
    return [people, tokens, failures]


def _day(day: dt.date) -> str:
    from jointcare.dates import long_date

    return long_date(day)


def _when(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%-d %B %Y %H:%M")


def sections_for(user, today: dt.date | None = None) -> list[Section]:
    """The home page's sections for this user, most pressing first."""
    today = today or timezone.localdate()
    sections: list[Section] = []
    if can_somewhere(user, "pool.close"):
        sections += finance_sections(user, today)
    if can_somewhere(user, "partnerships.decide"):
        sections += partnership_sections(user, today)
        if can_somewhere(user, "pool.view"):
            sections.append(rag_section(user, today, only_alerts=False))
    if can_somewhere(user, "users.manage"):
        sections += administrator_sections(user, timezone.now())
    return sections


def is_care_only(user) -> bool:
    """A user whose roles are all care roles: the partnership's pages are reference reading for them."""
    return bool(user.roles) and set(user.roles) <= {r.value for r in CARE_ROLES}


def useful_links(user) -> list[Item]:
    """What the user may open, in words."""
    links = [
        ("Organisations", "/organisations/", "Find partners, GP practices and NHS bodies by name or code.", "organisations.view"),
        ("Coterminosity", "/coterminosity/", "See how NHS bodies' areas fit councils with social services.", "reference.view"),
        ("Partnerships", "/partnerships/", "Read agreements, boards, meetings and decisions.", "partnerships.view"),
        ("Pooled budgets", "/pools/", "Contributions, schemes, spend and risk share.", "pool.view"),
        ("Audit trail", "/audit/", "Every change, who made it and when.", "audit.view"),
    ]
    return [Item(name, href, text) for name, href, text, action in links if can_somewhere(user, action)]

