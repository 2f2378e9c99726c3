-- Queue only what can unbalance a transaction (decision 0125; applied by migration 0006, whose reverse puts back
-- ledger_small_statements.sql). The key checks, the locks and every error are those of decision 0118; what
-- changes is what a small statement (up to 64 rows) queues for the check at commit:
--
-- - postings: only the groups (one per transaction) whose amounts do not sum to zero. A group that sums to zero
--   changes no transaction's sum; a new transaction's count of postings, which the queue also carried, is read at
--   commit from the postings themselves (below) when its queued count is under two.
-- - transactions: only those with fewer than two postings when the statement ends. A transaction inserted with
--   its postings in one statement (`post_transaction`'s one statement) has its two postings then, and they
--   never go away (postings are append-only); whether they, and any added later, sum to zero is the postings'
--   own queue's business.
--
-- So a balanced transaction posted in one statement queues nothing, and nothing fires at its commit. Larger
-- statements (bulk posting, imports) queue as before: every transaction, and every group of postings.
--
-- The check at commit refuses what it refused before: a sum other than zero, or a new transaction with fewer
-- than two postings; before refusing the latter it counts the transaction's postings (all of them added by this
-- database transaction, since the transaction is new), as zero-sum groups were not queued.

CREATE OR REPLACE FUNCTION pool_queue_posting_check() RETURNS trigger AS $$
DECLARE
    bad record;
    n_rows bigint;
BEGIN
    SELECT count(*) INTO n_rows FROM new_rows;
    -- as a foreign key would: hold the referenced accounts until commit
    PERFORM 1 FROM pool_account WHERE id IN (SELECT DISTINCT account_id FROM new_rows) FOR SHARE;
    IF n_rows <= 64 THEN
        SELECT n.transaction_id, n.account_id, t.id IS NULL AS no_tx, a.id IS NULL AS no_account,
               a.pool_id <> t.pool_id AS other_pool
          INTO bad
          FROM new_rows n
          LEFT JOIN pool_ledgertransaction t ON t.id = n.transaction_id
          LEFT JOIN pool_account a ON a.id = n.account_id
         WHERE t.id IS NULL OR a.id IS NULL OR a.pool_id <> t.pool_id OR n.period_id <> t.period_id
         LIMIT 1;
    ELSE
        PERFORM set_config('enable_seqscan', 'on', true);  -- until this function returns
        -- dynamic SQL, so the join is planned for this statement's row count
        EXECUTE 'SELECT n.transaction_id, n.account_id, t.id IS NULL AS no_tx, a.id IS NULL AS no_account,
                        a.pool_id <> t.pool_id AS other_pool
                   FROM new_rows n
                   LEFT JOIN pool_ledgertransaction t ON t.id = n.transaction_id
                   LEFT JOIN pool_account a ON a.id = n.account_id
                  WHERE t.id IS NULL OR a.id IS NULL OR a.pool_id <> t.pool_id OR n.period_id <> t.period_id
                  LIMIT 1'
           INTO bad;
    END IF;
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
    IF n_rows <= 64 THEN
        -- only the groups that change a transaction's sum
        INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
            SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM (
                SELECT transaction_id, SUM(amount_pence) AS s, COUNT(*) AS n FROM new_rows GROUP BY transaction_id
                HAVING SUM(amount_pence) <> 0
            ) AS g HAVING count(*) > 0;
    ELSE
        INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
            SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM (
                SELECT transaction_id, SUM(amount_pence) AS s, COUNT(*) AS n FROM new_rows GROUP BY transaction_id
            ) AS g HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;

CREATE OR REPLACE FUNCTION pool_queue_transaction_check() RETURNS trigger AS $$
DECLARE
    bad record;
    n_rows bigint;
BEGIN
    SELECT count(*) INTO n_rows FROM new_rows;
    PERFORM 1 FROM pool_pool WHERE id IN (SELECT DISTINCT pool_id FROM new_rows) FOR KEY SHARE;
    PERFORM 1 FROM pool_period WHERE id IN (SELECT DISTINCT period_id FROM new_rows) FOR SHARE;
    IF n_rows <= 64 THEN
        SELECT n.id, n.pool_id, n.period_id, n.reverses_id, p.id IS NULL AS no_pool,
               m.id IS NULL AS no_period, m.pool_id <> n.pool_id AS other_period
          INTO bad
          FROM new_rows n
          LEFT JOIN pool_pool p ON p.id = n.pool_id
          LEFT JOIN pool_period m ON m.id = n.period_id
          LEFT JOIN pool_ledgertransaction r ON r.id = n.reverses_id
         WHERE p.id IS NULL OR m.id IS NULL OR m.pool_id <> n.pool_id
            OR (n.reverses_id IS NOT NULL AND (r.id IS NULL OR r.pool_id <> n.pool_id))
         LIMIT 1;
    ELSE
        PERFORM set_config('enable_seqscan', 'on', true);  -- until this function returns
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
    END IF;
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
    IF n_rows <= 64 THEN
        -- only the transactions with fewer than two postings now (through the postings' index on their transaction)
        INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
            SELECT array_agg(id), array_fill(0::numeric, ARRAY[count(*)::int]),
                   array_fill(0::bigint, ARRAY[count(*)::int]), true
              FROM new_rows n
             WHERE (SELECT count(*) FROM (SELECT FROM pool_posting p WHERE p.transaction_id = n.id LIMIT 2) AS two) < 2
            HAVING count(*) > 0;
    ELSE
        INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
            SELECT array_agg(id), array_fill(0::numeric, ARRAY[count(*)::int]),
                   array_fill(0::bigint, ARRAY[count(*)::int]), true
              FROM new_rows HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;

-- The check at commit fires once for each queued row. The first firing of a database transaction takes its
-- queued rows from its own row on (ids grow in the order rows are queued, which is the order the firings
-- follow) through the primary key's index, rather than by reading the whole queue table with the dead rows of
-- every transaction since the last vacuum; a later firing whose row was taken already stops at once. Should a
-- firing ever take only part of a transaction's rows, each part is checked on its own, which can only refuse
-- more, never less: parts that each sum to zero sum to zero.
CREATE OR REPLACE FUNCTION pool_check_balanced_at_commit() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pool_balance_check WHERE id = NEW.id) THEN
        RETURN NULL;
    END IF;
    WITH taken AS (
        DELETE FROM pool_balance_check WHERE id >= NEW.id RETURNING transaction_ids, sums, counts, new_transactions
    ),
    items AS (
        SELECT u.id, u.s, u.n, taken.new_transactions AS is_new
          FROM taken, unnest(taken.transaction_ids, taken.sums, taken.counts) AS u(id, s, n)
    )
    -- a new transaction's postings are all this database transaction's: counted from the table when the queue,
    -- which leaves out groups summing to zero, shows fewer than two
    SELECT id, SUM(s) AS total,
           CASE WHEN bool_or(is_new) AND SUM(n) < 2
                THEN (SELECT count(*) FROM pool_posting p WHERE p.transaction_id = items.id) ELSE SUM(n) END AS n
      INTO bad FROM items
     GROUP BY id
    HAVING SUM(s) <> 0
        OR (bool_or(is_new) AND SUM(n) < 2
            AND (SELECT count(*) FROM (SELECT FROM pool_posting p WHERE p.transaction_id = items.id LIMIT 2) AS two) < 2)
     LIMIT 1;
    IF bad.id IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced: % postings added summing to % pence',
            bad.id, bad.n, bad.total USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;
