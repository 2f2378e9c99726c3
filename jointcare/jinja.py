"""The Jinja2 environment: project and app templates, plus the NHS.UK frontend macros."""

from pathlib import Path

from django.apps import apps
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, pass_context

from jointcare.dates import long_date
from jointcare.grammar import plural
from jointcare.money import format_pence


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


@pass_context
def _can(context, action: str, target=None) -> bool:
    """`{% if can("pool.close", pool) %}`: show only what the signed-in user may use."""
    from jointcare.accounts.access import template_can

    return template_can(context, action, target)


@pass_context
def _history_url(context, obj) -> str | None:
    """`{% set h = history_url(pool) %}`: the object's audit trail, if the signed-in user may read it."""
    from jointcare.audit.history import history_url

    request = context.get("request")
    return history_url(getattr(request, "user", None), obj)


@pass_context
def _breadcrumb_trail(context) -> list[dict]:
    """The page's breadcrumb items (jointcare.breadcrumbs): its ancestors, derived from the page and its context."""
    from jointcare.breadcrumbs import trail

    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return trail(match.view_name if match else None, context)


@pass_context
def _can_somewhere(context, action: str) -> bool:
    """`{% if can_somewhere("pool.view") %}`: whether the user's roles could take the action anywhere."""
    from jointcare.accounts.access import can_somewhere

    request = context.get("request")
    return can_somewhere(getattr(request, "user", None), action)


def environment(**options) -> Environment:
    dirs = [Path(__file__).parent / "templates"]
    for config in apps.get_app_configs():
        if config.name.startswith("jointcare."):
            candidate = Path(config.path) / "templates"
            if candidate.is_dir():
                dirs.append(candidate)
    options["loader"] = ChoiceLoader(
        [FileSystemLoader([str(d) for d in dirs]), PackageLoader("nhsuk_frontend_jinja", "templates")]
    )
    options.setdefault("autoescape", True)
    # The NHS.UK macros are ported from Nunjucks and chain attribute look-ups on absent parameters.
    options["undefined"] = ChainableUndefined
    options["extensions"] = ["jinja2.ext.do"]
    env = Environment(**options)
    env.globals.update(
        url=url, static=static, get_messages=get_messages, can=_can, can_somewhere=_can_somewhere, long_date=long_date,
        breadcrumb_trail=_breadcrumb_trail, history_url=_history_url,
    )
    env.filters["pence"] = format_pence
    env.filters["plural"] = plural
    # (value, text) choice pairs to NHS.UK select items: `choices | map("list") | map("jc_option", chosen)`
    env.filters["jc_option"] = lambda pair, chosen: {"value": pair[0], "text": pair[1], "selected": pair[0] == (chosen or "")}
    env.filters["thousands"] = lambda n: f"{n:,}" if n is not None else ""
    env.filters["percent"] = lambda x, places=1: "" if x is None else f"{x * 100:.{places}f}%"
    return env
