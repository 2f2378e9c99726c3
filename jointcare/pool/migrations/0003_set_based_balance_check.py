"""On PostgreSQL, check balance at commit with one set-based query per INSERT statement instead of one trigger
call per posting row.

- A statement-level trigger on pool_posting (and on pool_ledgertransaction) queues the ids of the transactions
  the statement touched as one row of pool_balance_check.
- A deferred constraint trigger on pool_balance_check checks, at commit, that each queued transaction has two or
  more postings summing to zero (all queued rows at once, in one query), and empties the queue. Any failure
  aborts the commit.
- Postings stay append-only (BEFORE UPDATE OR DELETE raises), as in 0002.
"""

from django.db import migrations

CREATE = """
DROP TRIGGER IF EXISTS pool_posting_balanced ON pool_posting;
DROP FUNCTION IF EXISTS pool_check_transaction_balanced();

CREATE TABLE IF NOT EXISTS pool_balance_check (
    id bigserial PRIMARY KEY,
    transaction_ids bigint[] NOT NULL
);

CREATE OR REPLACE FUNCTION pool_queue_posting_check() RETURNS trigger AS $$
BEGIN
    INSERT INTO pool_balance_check (transaction_ids)
        SELECT array_agg(DISTINCT transaction_id) FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pool_queue_transaction_check() RETURNS trigger AS $$
BEGIN
    INSERT INTO pool_balance_check (transaction_ids)
        SELECT array_agg(id) FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pool_check_balanced_at_commit() RETURNS trigger AS $$
DECLARE
    ids bigint[];
    bad record;
BEGIN
    -- The first check to fire takes every queued row of this database transaction (others' rows are not
    -- visible) and checks their transactions at once; later firings find their row gone and stop.
    WITH taken AS (DELETE FROM pool_balance_check RETURNING transaction_ids)
    SELECT array_agg(DISTINCT x) INTO ids FROM taken, unnest(taken.transaction_ids) AS x;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    -- dynamic SQL, so the check is planned for this array (a cached generic plan can be far slower)
    EXECUTE 'SELECT t.id, COALESCE(SUM(p.amount_pence), 0) AS total, COUNT(p.id) AS n
               FROM unnest($1) AS t(id) LEFT JOIN pool_posting p ON p.transaction_id = t.id
              GROUP BY t.id
             HAVING COALESCE(SUM(p.amount_pence), 0) <> 0 OR COUNT(p.id) < 2
              LIMIT 1'
       INTO bad USING ids;
    IF bad.id IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced: % postings summing to % pence',
            bad.id, bad.n, bad.total USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pool_posting_queue_check ON pool_posting;
CREATE TRIGGER pool_posting_queue_check AFTER INSERT ON pool_posting
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pool_queue_posting_check();

DROP TRIGGER IF EXISTS pool_transaction_queue_check ON pool_ledgertransaction;
CREATE TRIGGER pool_transaction_queue_check AFTER INSERT ON pool_ledgertransaction
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pool_queue_transaction_check();

DROP TRIGGER IF EXISTS pool_balance_checked_at_commit ON pool_balance_check;
CREATE CONSTRAINT TRIGGER pool_balance_checked_at_commit AFTER INSERT ON pool_balance_check
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pool_check_balanced_at_commit();
"""

DROP = """
DROP TRIGGER IF EXISTS pool_balance_checked_at_commit ON pool_balance_check;
DROP TRIGGER IF EXISTS pool_transaction_queue_check ON pool_ledgertransaction;
DROP TRIGGER IF EXISTS pool_posting_queue_check ON pool_posting;
DROP FUNCTION IF EXISTS pool_check_balanced_at_commit();
DROP FUNCTION IF EXISTS pool_queue_transaction_check();
DROP FUNCTION IF EXISTS pool_queue_posting_check();
DROP TABLE IF EXISTS pool_balance_check;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
        from importlib import import_module

        schema_editor.execute(import_module("jointcare.pool.migrations.0002_balanced_transaction_trigger").CREATE,
                              params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0002_balanced_transaction_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
