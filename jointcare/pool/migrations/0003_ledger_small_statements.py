"""On PostgreSQL: the ledger's key checks planned once for small statements, and the check at commit taking
its queued rows by index (pool/sql/ledger_small_statements.sql, decision 0118)."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def small_statements(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_small_statements.sql").read_text(encoding="utf-8"), params=None)


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_small_statements_undo.sql").read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0002_ledger_version")]

    operations = [migrations.RunPython(small_statements, as_before)]
