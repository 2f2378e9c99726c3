"""On PostgreSQL: small statements queue for the check at commit only what can unbalance a transaction, so a
balanced transaction posted in one statement queues nothing (pool/sql/ledger_queue_what_can_fail.sql, decision
0125). Undone, the functions are as migration 0003 left them."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def queue_what_can_fail(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_queue_what_can_fail.sql").read_text(encoding="utf-8"), params=None)


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_small_statements.sql").read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0004_ledger_check_indexes")]

    operations = [migrations.RunPython(queue_what_can_fail, as_before)]
