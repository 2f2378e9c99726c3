"""On PostgreSQL: small statements queue for the check at commit only what can unbalance a transaction, so a
balanced transaction posted in one statement queues nothing (pool/sql/ledger_queue_what_can_fail.sql); and the
monthly balances' pages are kept four-fifths empty, so that updating a balance finds room for its new version on
the same page and touches none of the table's indexes (decision 0125). Undone, the functions are as migration
0003 left them and the table packed full again."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


# A few hundred rows a pool and year, each updated by every posting to its account and month: with pages full,
# an update's new version goes to another page and every index of the table gets an entry for it (40 % of the
# updates stayed on their page in a run of `benchmarks.pool_ledger`). CLUSTER rewrites the rows already there
# with the room (it may run inside the migration's transaction; it locks the table for the moment it takes).
ROOMY_BALANCES = (
    "ALTER TABLE pool_monthlybalance SET (fillfactor = 20); CLUSTER pool_monthlybalance USING monthly_once_per_account"
)
PACKED_BALANCES = "ALTER TABLE pool_monthlybalance RESET (fillfactor); ALTER TABLE pool_monthlybalance SET WITHOUT CLUSTER"


def queue_what_can_fail(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_queue_what_can_fail.sql").read_text(encoding="utf-8"), params=None)
        schema_editor.execute(ROOMY_BALANCES, params=None)


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_small_statements.sql").read_text(encoding="utf-8"), params=None)
        schema_editor.execute(PACKED_BALANCES, params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0004_ledger_check_indexes")]

    operations = [migrations.RunPython(queue_what_can_fail, as_before)]
