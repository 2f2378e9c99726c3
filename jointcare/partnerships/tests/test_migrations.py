"""Migration 0002 brings agreements recorded under the old status rules into line with their dates."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("partnerships", "0001_initial"), ("audit", "0001_initial")]
AFTER = [("partnerships", "0002_agreement_ends")]


def test_old_rows_get_their_end_day_and_early_starts_go_back_to_draft():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Agreement, AuditEntry = apps.get_model("partnerships", "Agreement"), apps.get_model("audit", "AuditEntry")
    today = timezone.localdate()
    audited = Agreement.objects.create(name="A", kind="duty_to_cooperate", status="ended", starts_on=dt.date(2024, 4, 1))
    AuditEntry.objects.create(
        action="agreement.status", object_type="partnerships.agreement", object_id=str(audited.pk),
        at=dt.datetime(2025, 9, 1, 12, tzinfo=dt.UTC), after={"status": "ended"},
    )
    dated = Agreement.objects.create(
        name="B", kind="duty_to_cooperate", status="ended", starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2025, 3, 31)
    )
    early = Agreement.objects.create(
        name="C", kind="duty_to_cooperate", status="active", starts_on=today + dt.timedelta(days=30)
    )
    running = Agreement.objects.create(name="D", kind="duty_to_cooperate", status="active", starts_on=dt.date(2024, 4, 1))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    Agreement = executor.loader.project_state(AFTER).apps.get_model("partnerships", "Agreement")
    got = {a.pk: (a.status, a.ended_on) for a in Agreement.objects.all()}
    assert got == {
        audited.pk: ("ended", dt.date(2025, 9, 1)),
        dated.pk: ("ended", dt.date(2025, 3, 31)),
        early.pk: ("draft", None),
        running.pk: ("active", None),
    }
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
