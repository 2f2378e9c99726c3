"""The Jinja2 environment: project and app templates, plus the NHS.UK frontend macros."""

from pathlib import Path

from django.apps import apps
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, pass_context

from jointcare.money import format_pence


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


@pass_context
def _can(context, action: str, target=None) -> bool:
    """`{% if can("pool.close", pool) %}`: show only what the signed-in user may use."""
    from jointcare.accounts.access import template_can

    return template_can(context, action, target)


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
    env.globals.update(url=url, static=static, get_messages=get_messages, can=_can)
    env.filters["pence"] = format_pence
    env.filters["thousands"] = lambda n: f"{n:,}" if n is not None else ""
    env.filters["percent"] = lambda x, places=1: "" if x is None else f"{x * 100:.{places}f}%"
    return env
