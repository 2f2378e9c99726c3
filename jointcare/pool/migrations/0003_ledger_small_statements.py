"""On PostgreSQL: the ledger's key checks planned once for small statements, and the check at commit taking
its queued rows by index (pool/sql/ledger_small_statements.sql, decision 0118)."""

import re
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def small_statements(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_small_statements.sql").read_text(encoding="utf-8"), params=None)


# The functions ledger_small_statements.sql replaces; undone, they are as ledger.sql (migration 0001) defines them.
REPLACED = ("pool_queue_posting_check", "pool_queue_transaction_check", "pool_check_balanced_at_commit")


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        ledger = (SQL / "ledger.sql").read_text(encoding="utf-8")
        for name in REPLACED:
            definition = re.search(rf"CREATE FUNCTION {name}\(\).*?\$\$ LANGUAGE plpgsql;", ledger, re.S).group(0)
            schema_editor.execute(definition.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1), params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0002_ledger_version")]

    operations = [migrations.RunPython(small_statements, as_before)]
