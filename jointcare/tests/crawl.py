"""Every named page of the project, as URLs to request: for tests that must visit them all (the injection sweep,
the download check). A page whose parameters have no value given fails the test, so new pages are not missed."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, reverse

SKIPPED_NAMESPACES = ("admin", "api")  # the framework's admin; the API is read from its OpenAPI document


def named_patterns(patterns=None, namespace=None):
    """(namespaced name, parameter names) of every named page."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from named_patterns(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name and namespace not in SKIPPED_NAMESPACES:
            yield (f"{namespace}:{p.name}" if namespace else p.name), list(p.pattern.regex.groupindex)


def page_urls(values: dict[str, dict[str, list]]) -> list[tuple[str, str]]:
    """(name, URL) for every named page, once for each combination of the values given for its parameters
    (`values` maps a namespace to {parameter: [values]})."""
    urls = []
    for name, params in named_patterns():
        options = values.get(name.split(":")[0] if ":" in name else "", {})
        missing = [p for p in params if p not in options]
        if missing:
            raise AssertionError(f"no value to request {name} with: give one for {missing}")
        combos: list[dict] = [{}]
        for p in params:
            combos = [{**c, p: v} for c in combos for v in options[p]]
        urls += [(name, reverse(name, kwargs=kwargs or None)) for kwargs in combos]
    return urls
