"""Who may do what, where: the policy table of `domain` applied to real users and targets.

Views use `@requires(action, scope=...)`, API handlers and commands call `check(user, action, target)`,
templates call `can(action, target)`. Each works out the user's relationships to the target (party, host,
board seat, named) and asks `domain.allowed`. See docs/decisions/0040-scoped-access.md.

    @requires("pool.close", scope="pool")     # the pool comes from the URL's `pool_id` or `pk`
    def close_period(request, pk, number): ...

    check(user, "pool.post", pool)            # raises Forbidden (403) unless allowed
    Pool.objects.filter(visible(user, "pool.view", "pool"))   # lists: only what the user may see
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps

from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.core.management.base import CommandError
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from jointcare.accounts.domain import ACTIONS, Relationship, allowed, possible, relationships_granting
from jointcare.accounts.services import user_for_token
from jointcare.errors import Forbidden

REFERENCE_SOURCE = "reference"  # Organisation.source of records loaded from the shipped reference data
ANY_ONLY = frozenset({Relationship.ANY})


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _roles(user) -> frozenset[str]:
    return user.roles if _active(user) else frozenset()


# --- relationships -----------------------------------------------------------------------------------


def _model(label: str):
    return apps.get_model(label)


def _current_seat(user, today: dt.date) -> Q:
    return (
        Q(user=user)
        & (Q(starts_on__isnull=True) | Q(starts_on__lte=today))
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    )


def _agreement_ties(user, agreement_id: int | None) -> set[Relationship]:
    ties: set[Relationship] = set()
    if agreement_id is None:
        return ties
    if user.organisation_id:
        roles = set(
            _model("partnerships.Party")
            .objects.filter(agreement_id=agreement_id, organisation_id=user.organisation_id)
            .values_list("role", flat=True)
        )
        if roles:
            ties.add(Relationship.PARTY)
        if "host" in roles:
            ties.add(Relationship.HOST)
    seat = _model("partnerships.BoardMember").objects.filter(
        _current_seat(user, timezone.localdate()), board__agreement_id=agreement_id
    )
    if seat.exists():
        ties.add(Relationship.BOARD_SEAT)
    return ties


def _pool_ties(user, pool) -> set[Relationship]:
    ties = _agreement_ties(user, pool.agreement_id)
    if user.organisation_id and pool.host_id == user.organisation_id:
        ties |= {Relationship.PARTY, Relationship.HOST}
    if pool.manager_id is not None and pool.manager_id == user.pk:
        ties.add(Relationship.NAMED)
    return ties


def _organisation_ties(user, org) -> set[Relationship]:
    if org.source == REFERENCE_SOURCE:
        return set()  # reference records: no relationship grants a change
    Party = _model("partnerships.Party")
    ties: set[Relationship] = set()
    if user.organisation_id and (
        org.pk == user.organisation_id
        or Party.objects.filter(
            organisation=org, agreement__parties__organisation_id=user.organisation_id
        ).exists()
    ):
        ties.add(Relationship.PARTY)
    claimed = (
        Party.objects.filter(organisation=org).exists()
        or _model("partnerships.BoardMember").objects.filter(organisation=org).exists()
    )
    if not claimed:
        ties.add(Relationship.UNCLAIMED)
    return ties


def _ties(user, target) -> set[Relationship]:
    label = target._meta.label
    if label == "pool.Pool":
        return _pool_ties(user, target)
    if label == "partnerships.Agreement":
        return _agreement_ties(user, target.pk)
    if label == "partnerships.Board":
        return _agreement_ties(user, target.agreement_id)  # one board per agreement: its seats are the board's
    if label == "organisations.Organisation":
        return _organisation_ties(user, target)
    if label.startswith("packages."):
        from jointcare.packages.access import ties

        return ties(user, target)
    if label == "people.Person":
        from jointcare.people.sharing import ties

        return {Relationship.CARE_RELATIONSHIP} if ties(user, target) else set()
    if label.startswith("care."):
        from jointcare.care.access import ties as care_ties

        return care_ties(user, target)
    # Anything inside a pool or an agreement (a period, a transaction, a meeting) is reached through it.
    if getattr(target, "pool_id", None) is not None:
        return _pool_ties(user, target.pool)
    if getattr(target, "agreement_id", None) is not None:
        return _agreement_ties(user, target.agreement_id)
    if getattr(target, "board_id", None) is not None:
        return _agreement_ties(user, target.board.agreement_id)
    raise TypeError(f"no access rules for {label}")


def relationships(user, target=None) -> frozenset[Relationship]:
    """The user's relationships to the target (always including ANY); remembered on the user per request."""
    if target is None or not _active(user):
        return ANY_ONLY
    cache = user.__dict__.setdefault("_relationships", {})
    key = (target._meta.label, target.pk)
    if key not in cache:
        cache[key] = frozenset(_ties(user, target) | {Relationship.ANY})
    return cache[key]


# --- checks ------------------------------------------------------------------------------------------


def can(user, action: str, target=None) -> bool:
    """May the user take the action on the target? With no target, only what any relationship allows."""
    roles = _roles(user)
    if not roles:
        return allowed((), (), action)  # still rejects unknown actions
    return allowed(roles, relationships(user, target), action)


def can_somewhere(user, action: str) -> bool:
    """Could the user take the action on some target? For lists and create forms, which then scope."""
    return possible(_roles(user), action)


def _refuse(action: str, target) -> Forbidden:
    where = f" on {target}" if target is not None else ""
    return Forbidden(f"You do not have permission to do this ({action}{where})")


def check(user, action: str, target=None) -> None:
    if not can(user, action, target):
        raise _refuse(action, target)


def check_somewhere(user, action: str) -> None:
    if not can_somewhere(user, action):
        raise _refuse(action, None)


# --- lists ---------------------------------------------------------------------------------------------


NOTHING = Q(pk__in=[])


def related(user, kind: str, relations) -> Q:
    """A filter for `kind` ("pool" or "agreement") keeping rows the user holds any of the relations to."""
    if Relationship.ANY in relations:
        return Q()
    own = user.organisation_id
    parties = "agreement__parties__" if kind == "pool" else "parties__"
    q = NOTHING
    if Relationship.PARTY in relations and own:
        q |= Q(**{f"{parties}organisation_id": own})
        if kind == "pool":
            q |= Q(host_id=own)
    if Relationship.HOST in relations and own:
        q |= Q(**{f"{parties}organisation_id": own, f"{parties}role": "host"})
        if kind == "pool":
            q |= Q(host_id=own)
    if Relationship.BOARD_SEAT in relations:
        seats = _model("partnerships.BoardMember").objects.filter(
            _current_seat(user, timezone.localdate()),
            board__agreement_id=OuterRef("agreement_id" if kind == "pool" else "pk"),
        )
        q |= Q(Exists(seats))
    if Relationship.NAMED in relations and kind == "pool":
        q |= Q(manager_id=user.pk)
    return q


def visible(user, action: str, kind: str) -> Q:
    """A filter for `kind` ("pool" or "agreement") keeping only rows the user may take the action on."""
    if not _active(user):
        return NOTHING
    return related(user, kind, relationships_granting(user.roles, action))


def scoped(user, action: str, queryset):
    """The queryset (of pools or agreements) cut down to what the user may take the action on."""
    kind = {"pool.Pool": "pool", "partnerships.Agreement": "agreement"}[queryset.model._meta.label]
    return queryset.filter(pk__in=queryset.model.objects.filter(visible(user, action, kind)).values("pk"))


def your_agreements(user) -> set[int]:
    """Ids of the agreements the user's organisation is party to, or whose board the user sits on."""
    if not _active(user):
        return set()
    Agreement = _model("partnerships.Agreement")
    mine = related(user, "agreement", {Relationship.PARTY, Relationship.BOARD_SEAT})
    return set(Agreement.objects.filter(mine).values_list("pk", flat=True))


def audit_filter(user) -> Q | None:
    """Audit entries the user may read: all (administrators), or the trails of the pools whose audit they may
    see (the pool's manager, the host's finance officers); None: none."""
    if can(user, "audit.view"):
        return Q()
    if not can_somewhere(user, "audit.view"):
        return None
    from jointcare.audit.services import pool_trail

    ids = list(_model("pool.Pool").objects.filter(visible(user, "audit.view", "pool")).values_list("pk", flat=True).distinct())
    return pool_trail(ids) if ids else None


# --- views ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """How a view's URL names its target: the model and the URL keywords that may carry its id."""

    model: str
    keywords: tuple[str, ...]
    missing: str  # the not-found message, with {id}

    def find(self, kwargs: dict):
        for key in self.keywords:
            if key in kwargs:
                return kwargs[key], _model(self.model).objects.filter(pk=kwargs[key]).first()
        raise TypeError(f"the URL gives none of {', '.join(self.keywords)} for {self.model}")


SCOPES = {
    "pool": Scope("pool.Pool", ("pool_id", "pk"), "There is no pooled budget with id {id}."),
    "agreement": Scope("partnerships.Agreement", ("agreement_id", "pk"), "There is no partnership agreement with id {id}."),
    "organisation": Scope(
        "organisations.Organisation", ("organisation_id", "org_id", "pk"), "There is no organisation with id {id}."
    ),
    "person": Scope("people.Person", ("person_id", "pk"), "There is no person with id {id}."),
    "care_plan": Scope("packages.CarePlan", ("plan_id",), "There is no care plan with id {id}."),
    "plan_service": Scope("packages.PlanService", ("service_id",), "There is no service with id {id}."),
    "reablement": Scope("packages.ReablementEpisode", ("episode_id",), "There is no reablement episode with id {id}."),
    "follow_up": Scope("packages.FollowUp", ("follow_up_id",), "There is no follow-up with id {id}."),
    # Integrated care (jointcare.care.access)
    "team": Scope("care.Team", ("pk",), "There is no team with id {id}."),
    "referral": Scope("care.Referral", ("pk",), "There is no referral with id {id}."),
    "assessment": Scope("care.Assessment", ("pk",), "There is no assessment with id {id}."),
    "task": Scope("care.Task", ("pk",), "There is no task with id {id}."),
    "review": Scope("care.Review", ("pk",), "There is no review with id {id}."),
}


def requires(action: str, scope: str | None = None):
    """View decorator: signed in and allowed, otherwise the sign-in page or a 403 page.

    With `scope` ("pool", "agreement", "organisation" or "person") the target is found from the URL keywords and the
    user's relationship to it decides; an unknown id answers 404. Without it the user's roles must allow the
    action somewhere, and the view itself scopes what it lists or creates.
    """
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if scope is not None and scope not in SCOPES:
        raise KeyError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            target = None
            if scope is not None:
                ident, target = SCOPES[scope].find(kwargs)
                if target is None:
                    message = SCOPES[scope].missing.format(id=ident)
                    return render(request, "accounts/not_found.jinja", {"title": "Page not found", "message": message}, status=404)
                allowed_here = can(user, action, target)
            else:
                allowed_here = can_somewhere(user, action)
            if not allowed_here and scope == "person":
                from jointcare.people.views import refused

                return refused(request, target, action)  # audited, and offers break-glass
            if not allowed_here:
                return render(
                    request,
                    "accounts/forbidden.jinja",
                    {"title": "You cannot do this", "action": action, "target": target},
                    status=403,
                )
            request.target = target
            return view(request, *args, **kwargs)

        wrapped.action = action
        wrapped.scope = scope
        return wrapped

    return decorate


def template_can(context, action: str, target=None) -> bool:
    """`can(action, target)` in templates, for the signed-in user."""
    request = context.get("request")
    return can(getattr(request, "user", None), action, target)


# --- commands ------------------------------------------------------------------------------------------


def command_actor(username: str | None, action: str, target=None, *, required: bool = True):
    """The user a command acts as, checked like a web request. Commands that move money must name one."""
    if not username:
        if required:
            raise CommandError(
                f"--user: name the user this is done as ({action} is checked against their roles and partnership)"
            )
        return None
    User = _model("accounts.User")
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--user: no user called '{username}'")
    if not (can(user, action, target) if target is not None else can_somewhere(user, action)):
        where = f" on {target}" if target is not None else ""
        raise CommandError(f"--user: {username} may not do this ({action}{where})")
    return user


# --- API authentication --------------------------------------------------------------------------------


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]


def api_user(request):
    return request.auth
