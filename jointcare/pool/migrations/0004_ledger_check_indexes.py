"""Indexes that hold every column a scan of `ledger check` reads (decision 0121): the postings by transaction
and by account and month, and the transactions by month and pool. Each replaces the narrower index it extends,
so posting maintains as many indexes as before. The two foreign keys' own indexes are dropped by name (SQL that
both databases run as it is) rather than by altering the fields, which SQLite would do by copying the table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pool", "0003_ledger_small_statements"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(fields=["transaction", "period", "amount_pence"], name="posting_transaction_check"),
        ),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(fields=["account", "period", "amount_pence"], name="posting_account_period_amount"),
        ),
        migrations.RemoveIndex(model_name="posting", name="posting_account_period"),
        migrations.AddIndex(
            model_name="ledgertransaction",
            index=models.Index(fields=["period", "pool", "posted_at"], name="transaction_period_pool_time"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="posting",
                    name="transaction",
                    field=models.ForeignKey(
                        db_constraint=False, db_index=False, on_delete=models.deletion.PROTECT,
                        related_name="postings", to="pool.ledgertransaction",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgertransaction",
                    name="period",
                    field=models.ForeignKey(
                        db_constraint=False, db_index=False, on_delete=models.deletion.PROTECT,
                        related_name="transactions", to="pool.period",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS pool_posting_transaction_id_67417b81",
                    "CREATE INDEX pool_posting_transaction_id_67417b81 ON pool_posting (transaction_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS pool_ledgertransaction_period_id_5094db65",
                    "CREATE INDEX pool_ledgertransaction_period_id_5094db65 ON pool_ledgertransaction (period_id)",
                ),
            ],
        ),
    ]
