-- The pool ledger's guarantees in PostgreSQL (applied by migration 0001; other databases rely on the services
-- and on `jointcare ledger check`). Decisions 0030, 0033 and 0035 explain each choice.
--
-- 1. Append-only: ledger transactions and postings refuse UPDATE and DELETE.
-- 2. Balanced at commit: each INSERT statement queues, per ledger transaction it touched, the sum and count of
--    the postings it added (new transactions with count 0); at commit a deferred constraint trigger adds up
--    the queue and refuses any transaction whose added postings do not sum to zero, or any new transaction
--    with fewer than two postings.
-- 3. Keys checked once per statement (instead of per-row foreign keys): a posting's transaction and account
--    exist, share a pool and a month; a transaction's pool and period exist and match, and a reversed
--    transaction is in the same pool. The rows referred to are locked until commit, as a foreign key would.
-- 4. An account with postings, and a period or pool with transactions, cannot be deleted or moved.
--
-- Errors: 23514 (check_violation) for 1 and 2, 23503 (foreign_key_violation) for 3 and 4; Django raises
-- IntegrityError (or InternalError at commit).

-- 1. append-only ------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION pool_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: correct them by reversal', TG_TABLE_NAME USING ERRCODE = '23514';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER pool_posting_append_only BEFORE UPDATE OR DELETE ON pool_posting
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_change();
CREATE TRIGGER pool_transaction_append_only BEFORE UPDATE OR DELETE ON pool_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_change();

-- 2. balanced at commit -----------------------------------------------------------------------------------

CREATE TABLE pool_balance_check (
    id bigserial PRIMARY KEY,
    transaction_ids bigint[] NOT NULL,
    sums numeric[] NOT NULL,
    counts bigint[] NOT NULL,
    new_transactions boolean NOT NULL
);

CREATE FUNCTION pool_check_balanced_at_commit() RETURNS trigger AS $$
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

-- 2 and 3: what each INSERT statement queues and checks ---------------------------------------------------

CREATE FUNCTION pool_queue_posting_check() RETURNS trigger AS $$
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

CREATE FUNCTION pool_queue_transaction_check() RETURNS trigger AS $$
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

CREATE TRIGGER pool_posting_queue_check AFTER INSERT ON pool_posting
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pool_queue_posting_check();
CREATE TRIGGER pool_transaction_queue_check AFTER INSERT ON pool_ledgertransaction
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pool_queue_transaction_check();

-- 4. what the ledger refers to stays ----------------------------------------------------------------------

CREATE FUNCTION pool_refuse_referenced_delete() RETURNS trigger AS $$
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

CREATE TRIGGER pool_account_in_use BEFORE DELETE OR UPDATE OF id, pool_id ON pool_account
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_referenced_delete();
CREATE TRIGGER pool_period_in_use BEFORE DELETE OR UPDATE OF id, pool_id ON pool_period
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_referenced_delete();
CREATE TRIGGER pool_pool_in_use BEFORE DELETE OR UPDATE OF id ON pool_pool
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_referenced_delete();
