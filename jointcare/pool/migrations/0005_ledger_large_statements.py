"""On PostgreSQL: the ledger's key checks of large statements once for each distinct key rather than for each row
(pool/sql/ledger_large_statements.sql, decision 0123)."""

import re
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def large_statements(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_large_statements.sql").read_text(encoding="utf-8"), params=None)


# The functions ledger_large_statements.sql replaces; undone, they are as ledger_small_statements.sql (migration
# 0003) defines them.
REPLACED = ("pool_queue_posting_check", "pool_queue_transaction_check")


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        small = (SQL / "ledger_small_statements.sql").read_text(encoding="utf-8")
        for name in REPLACED:
            definition = re.search(
                rf"CREATE OR REPLACE FUNCTION {name}\(\).*?\$\$ LANGUAGE plpgsql[^;]*;", small, re.S
            ).group(0)
            schema_editor.execute(definition, params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0004_ledger_check_indexes")]

    operations = [migrations.RunPython(large_statements, as_before)]
