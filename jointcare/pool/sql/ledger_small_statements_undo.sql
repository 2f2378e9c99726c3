-- Undoes ledger_small_statements.sql: the key checks of ledger.sql, section 3, as they were.

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
