"""On PostgreSQL, check balance at commit from what each statement inserted, without re-reading the postings.

Postings are append-only (no UPDATE or DELETE), so every committed transaction already balances; a database
transaction keeps the ledger balanced exactly when, for every ledger transaction it touched, the postings it
added sum to zero, and every ledger transaction it created has at least two postings.

- The statement-level trigger on pool_posting queues, per statement, each touched transaction's id with the
  sum and count of the postings the statement added (aggregated from the transition table).
- The trigger on pool_ledgertransaction queues the new transactions' ids with sum 0 and count 0, marking them
  new.
- At commit the deferred constraint trigger adds up the queue per transaction and refuses any whose added
  postings do not sum to zero, or any new transaction with fewer than two postings; then empties the queue.
"""

from django.db import migrations

CREATE = """
DROP TRIGGER IF EXISTS pool_balance_checked_at_commit ON pool_balance_check;
DROP TABLE IF EXISTS pool_balance_check;

CREATE TABLE pool_balance_check (
    id bigserial PRIMARY KEY,
    transaction_ids bigint[] NOT NULL,
    sums numeric[] NOT NULL,
    counts bigint[] NOT NULL,
    new_transactions boolean NOT NULL
);

CREATE OR REPLACE FUNCTION pool_queue_posting_check() RETURNS trigger AS $$
BEGIN
    INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
        SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM (
            SELECT transaction_id, SUM(amount_pence) AS s, COUNT(*) AS n FROM new_rows GROUP BY transaction_id
        ) AS g HAVING count(*) > 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pool_queue_transaction_check() RETURNS trigger AS $$
BEGIN
    INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
        SELECT array_agg(id), array_fill(0::numeric, ARRAY[count(*)::int]), array_fill(0::bigint, ARRAY[count(*)::int]),
               true
          FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pool_check_balanced_at_commit() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    -- The first check to fire takes every queued row of this database transaction (others' rows are not
    -- visible) and checks them at once; later firings find the queue empty and stop.
    WITH taken AS (DELETE FROM pool_balance_check RETURNING transaction_ids, sums, counts, new_transactions),
    items AS (
        SELECT u.id, u.s, u.n, taken.new_transactions AS is_new
          FROM taken, unnest(taken.transaction_ids, taken.sums, taken.counts) AS u(id, s, n)
    )
    SELECT id, SUM(s) AS total, SUM(n) AS n INTO bad FROM items
     GROUP BY id
    HAVING SUM(s) <> 0 OR (bool_or(is_new) AND SUM(n) < 2)
     LIMIT 1;
    IF bad.id IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced: % postings added summing to % pence',
            bad.id, bad.n, bad.total USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER pool_balance_checked_at_commit AFTER INSERT ON pool_balance_check
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pool_check_balanced_at_commit();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("jointcare.pool.migrations.0003_set_based_balance_check")
        schema_editor.execute(previous.DROP, params=None)
        schema_editor.execute(previous.CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0003_set_based_balance_check")]
    operations = [migrations.RunPython(forwards, backwards)]
