"""The ledger's keys checked per statement, not per row: no foreign-key constraints on posting -> transaction,
posting -> account, transaction -> pool, transaction -> period and transaction -> reversed transaction.

Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so each of these queued one referential check per row,
run one by one at commit: about 70,000 per bulk call of 10,000 transactions (20,000 postings). On PostgreSQL
this migration puts in their place, with nothing weaker (and two checks the keys alone did not make):

- the statement-level AFTER INSERT trigger on pool_posting (which already queues the balance check, 0004) also
  checks, in one query over the statement's new rows, that every posting's transaction and account exist, that
  the account is in the transaction's pool and that the posting's month is the transaction's month;
- a statement-level AFTER INSERT trigger on pool_ledgertransaction (which already queues new transactions for
  the balance check) checks that every new transaction's pool and period exist, that the period is the pool's,
  and that a reversed transaction exists in the same pool;
- both first lock the accounts, periods and pools they refer to until commit (as a foreign key would), so a
  concurrent delete waits and then sees the new rows;
- ledger transactions are append-only in the database too (UPDATE or DELETE raises, as for postings, 0002);
- an account with postings, a period or pool with transactions cannot be deleted, nor their ids (or, for
  accounts and periods, their pool) changed.

A failed check raises foreign_key_violation (23503), so Django reports IntegrityError. The user who posted
(`posted_by`) keeps its foreign key: the users table belongs to another app. Other databases rely on the
services and on `ledger check`, which reports dangling keys.
"""

import django.db.models.deletion
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION pool_queue_posting_check() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    -- as a foreign key would: hold the referenced accounts until commit
    PERFORM 1 FROM pool_account WHERE id IN (SELECT DISTINCT account_id FROM new_rows) FOR SHARE;
    -- dynamic SQL, so the join is planned for this statement's row count
    EXECUTE 'SELECT n.transaction_id, n.account_id, t.id IS NULL AS no_tx, a.id IS NULL AS no_account,
                    a.pool_id <> t.pool_id AS other_pool
               FROM new_rows n
               LEFT JOIN pool_ledgertransaction t ON t.id = n.transaction_id
               LEFT JOIN pool_account a ON a.id = n.account_id
              WHERE t.id IS NULL OR a.id IS NULL OR a.pool_id <> t.pool_id OR n.period_id <> t.period_id
              LIMIT 1'
       INTO bad;
    IF bad.no_tx THEN
        RAISE EXCEPTION 'posting refers to ledger transaction %, which does not exist', bad.transaction_id
            USING ERRCODE = '23503';
    ELSIF bad.no_account THEN
        RAISE EXCEPTION 'posting refers to account %, which does not exist', bad.account_id
            USING ERRCODE = '23503';
    ELSIF bad.other_pool THEN
        RAISE EXCEPTION 'posting on account % is in another pool from its ledger transaction %',
            bad.account_id, bad.transaction_id USING ERRCODE = '23503';
    ELSIF bad.transaction_id IS NOT NULL THEN
        RAISE EXCEPTION 'posting on account % is in another month from its ledger transaction %',
            bad.account_id, bad.transaction_id USING ERRCODE = '23503';
    END IF;
    INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
        SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM (
            SELECT transaction_id, SUM(amount_pence) AS s, COUNT(*) AS n FROM new_rows GROUP BY transaction_id
        ) AS g HAVING count(*) > 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pool_queue_transaction_check() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    PERFORM 1 FROM pool_pool WHERE id IN (SELECT DISTINCT pool_id FROM new_rows) FOR KEY SHARE;
    PERFORM 1 FROM pool_period WHERE id IN (SELECT DISTINCT period_id FROM new_rows) FOR SHARE;
    EXECUTE 'SELECT n.id, n.pool_id, n.period_id, n.reverses_id, p.id IS NULL AS no_pool,
                    m.id IS NULL AS no_period, m.pool_id <> n.pool_id AS other_period
               FROM new_rows n
               LEFT JOIN pool_pool p ON p.id = n.pool_id
               LEFT JOIN pool_period m ON m.id = n.period_id
               LEFT JOIN pool_ledgertransaction r ON r.id = n.reverses_id
              WHERE p.id IS NULL OR m.id IS NULL OR m.pool_id <> n.pool_id
                 OR (n.reverses_id IS NOT NULL AND (r.id IS NULL OR r.pool_id <> n.pool_id))
              LIMIT 1'
       INTO bad;
    IF bad.no_pool THEN
        RAISE EXCEPTION 'ledger transaction % refers to pool %, which does not exist', bad.id, bad.pool_id
            USING ERRCODE = '23503';
    ELSIF bad.no_period THEN
        RAISE EXCEPTION 'ledger transaction % refers to period %, which does not exist', bad.id, bad.period_id
            USING ERRCODE = '23503';
    ELSIF bad.other_period THEN
        RAISE EXCEPTION 'ledger transaction % is in period % of another pool', bad.id, bad.period_id
            USING ERRCODE = '23503';
    ELSIF bad.id IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % reverses transaction %, which is not in its pool',
            bad.id, bad.reverses_id USING ERRCODE = '23503';
    END IF;
    INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
        SELECT array_agg(id), array_fill(0::numeric, ARRAY[count(*)::int]), array_fill(0::bigint, ARRAY[count(*)::int]),
               true
          FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pool_transaction_append_only ON pool_ledgertransaction;
CREATE TRIGGER pool_transaction_append_only BEFORE UPDATE OR DELETE ON pool_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_change();

CREATE OR REPLACE FUNCTION pool_refuse_referenced_delete() RETURNS trigger AS $$
DECLARE
    used boolean;
BEGIN
    -- nested, as pool_pool has no pool_id for NEW.pool_id to name
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        IF TG_TABLE_NAME = 'pool_pool' THEN
            RETURN NEW;
        ELSIF NEW.pool_id = OLD.pool_id THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_TABLE_NAME = 'pool_account' THEN
        used := EXISTS (SELECT 1 FROM pool_posting WHERE account_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'pool_period' THEN
        used := EXISTS (SELECT 1 FROM pool_ledgertransaction WHERE period_id = OLD.id);
    ELSE
        used := EXISTS (SELECT 1 FROM pool_ledgertransaction WHERE pool_id = OLD.id);
    END IF;
    IF used THEN
        RAISE EXCEPTION '% % is in use by the ledger: it cannot be deleted or moved', TG_TABLE_NAME, OLD.id
            USING ERRCODE = '23503';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pool_account_in_use ON pool_account;
CREATE TRIGGER pool_account_in_use BEFORE DELETE OR UPDATE OF id, pool_id ON pool_account
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_referenced_delete();
DROP TRIGGER IF EXISTS pool_period_in_use ON pool_period;
CREATE TRIGGER pool_period_in_use BEFORE DELETE OR UPDATE OF id, pool_id ON pool_period
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_referenced_delete();
DROP TRIGGER IF EXISTS pool_pool_in_use ON pool_pool;
CREATE TRIGGER pool_pool_in_use BEFORE DELETE OR UPDATE OF id ON pool_pool
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_referenced_delete();
"""

DROP = """
DROP TRIGGER IF EXISTS pool_pool_in_use ON pool_pool;
DROP TRIGGER IF EXISTS pool_period_in_use ON pool_period;
DROP TRIGGER IF EXISTS pool_account_in_use ON pool_account;
DROP FUNCTION IF EXISTS pool_refuse_referenced_delete();
DROP TRIGGER IF EXISTS pool_transaction_append_only ON pool_ledgertransaction;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(DROP, params=None)
        # 0004's queue functions, without the key checks (the foreign keys come back as this migration unwinds)
        schema_editor.execute(
            import_module("jointcare.pool.migrations.0004_balance_check_by_deltas").CREATE, params=None
        )


def _fk(to, **kwargs):
    return models.ForeignKey(
        db_constraint=False, on_delete=django.db.models.deletion.PROTECT, to=to, **kwargs
    )


class Migration(migrations.Migration):
    dependencies = [("pool", "0006_account_uniqueness")]

    operations = [
        migrations.AlterField(
            model_name="ledgertransaction",
            name="period",
            field=_fk("pool.period", related_name="transactions"),
        ),
        migrations.AlterField(
            model_name="ledgertransaction",
            name="pool",
            field=_fk("pool.pool", db_index=False, related_name="transactions"),
        ),
        migrations.AlterField(
            model_name="ledgertransaction",
            name="reverses",
            field=models.OneToOneField(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversed_by",
                to="pool.ledgertransaction",
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="account",
            field=_fk("pool.account", db_index=False, related_name="postings"),
        ),
        migrations.AlterField(
            model_name="posting",
            name="transaction",
            field=_fk("pool.ledgertransaction", related_name="postings"),
        ),
        # after the fields, so that the constraints are gone before the triggers take over
        migrations.RunPython(forwards, backwards),
    ]
