"""Test organisations made through the real service, with real-looking but small data."""

from __future__ import annotations

from itertools import count

from jointcare.organisations.services import create_organisation

_seq = count(1)


def icb(name="NHS Greater Manchester ICB", ods="QOP", gss="E54000057"):
    return create_organisation(None, name=name, kind="icb", ods_code=ods, gss_code=gss, source="reference")


def sub_icb(parent, name="NHS Trafford sub-ICB location", ods="02A", gss="E38000187"):
    return create_organisation(
        None, name=name, kind="sub_icb", ods_code=ods, gss_code=gss, parent_id=parent.pk, source="reference"
    )


def council(name="Trafford", gss="E08000009"):
    """A reference council, with its place in the council level of the lookups (as `load-reference` makes both)."""
    from jointcare.places.models import Area

    Area.objects.get_or_create(code=gss, level="council", defaults={"name": name})
    return create_organisation(None, name=name, kind="upper_tier_council", gss_code=gss, source="reference")


def practice(parent, name=None, ods=None):
    n = next(_seq)
    return create_organisation(
        None,
        name=name or f"Test Medical Practice {n}",
        kind="gp_practice",
        ods_code=ods or f"P9{n:04d}",
        parent_id=parent.pk,
        source="reference",
    )


def provider(name=None, sector="voluntary", kind="provider"):
    return create_organisation(None, name=name or f"Provider {next(_seq)}", kind=kind, sector=sector)
