"""The demo's measures: Trafford's Client Level Data exported from the demo's own records and imported as a
submission (through the CLD services, audited), and demo populations for the per-100,000 measures."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.utils import timezone

from jointcare.cld import services as cld
from jointcare.outcomes import domain

# Demo denominators, labelled as such on the measures' pages (`Population.demo`): the repository ships no ONS
# mid-year estimates by age band. Load the real ones with `jointcare cld population`.
DEMO_POPULATIONS = {"18 to 64": 140_000, "65 and above": 41_000}


def build_demo_measures(actor, council: str) -> domain.Period:
    """Export `council`'s CLD submission for the current financial year from the records and import it; load the
    demo populations unless populations for the council are loaded. Returns the period."""
    from jointcare.cld.models import Population

    period = domain.parse_period(domain.current_period(timezone.localdate()))
    with tempfile.TemporaryDirectory(prefix="jointcare-demo-") as tmp:
        path = Path(tmp) / f"{council}-{period.label}.csv"
        exported = cld.export_cld(actor, council, period.end, path)
        if exported.rows:
            cld.import_cld(actor, path, path.name)
    if not Population.objects.filter(area_code=council).exists():
        text = "area_code,age_band,population\n" + "".join(
            f"{council},{band},{people}\n" for band, people in DEMO_POPULATIONS.items())
        cld.import_population(actor, text, demo=True)
    return period
