"""On PostgreSQL: the ledger's per-statement checks take a static, once-planned query for a statement of a few
rows (pool/sql/ledger_small_statements.sql, decision 0070). They check the same things as before, so going back
keeps the new functions."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def small_statements(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_small_statements.sql").read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0002_ledger_version")]

    operations = [migrations.RunPython(small_statements, migrations.RunPython.noop)]
