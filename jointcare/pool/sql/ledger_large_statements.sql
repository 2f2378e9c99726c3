-- Key checks of large statements by distinct key (decision 0123). Migration 0005 takes from these definitions
-- only the parts that concern large statements (the declarations, the branch for more than 64 rows, the start
-- of the transactions' errors) and puts them in place of ledger_small_statements.sql's in the functions as the
-- database holds them, so that other migrations' changes to the rest stay. The checks, their errors and their
-- locks are those of ledger.sql, section 3; a statement of up to 64 rows is checked exactly as
-- ledger_small_statements.sql does.
--
-- A large statement (bulk posting, an import's chunk: thousands of rows) was checked row by row: two index
-- look-ups for each posting (its transaction and its account), three for each transaction (its pool, its month,
-- the transaction it reverses). Here it is checked once for each distinct key instead:
--
-- * postings: the statement's accounts once each (a few dozen); when they all exist and are in one pool, each
--   (transaction, month) once, which must exist, be in that pool and in that month. That is every posting's
--   condition: a posting's account is in the pool of its transaction exactly when the transaction is in the one
--   pool all the accounts are in. The same grouping gives the sums and counts queued for the check at commit,
--   so the postings are grouped once, not twice.
-- * transactions: each (pool, month) once, and only the transactions that reverse another, each once.
--
-- Anything found, or accounts in several pools, and the row-by-row query of before runs to name the row, with
-- the same words as before; should it find nothing, the statement is refused all the same.

CREATE OR REPLACE FUNCTION pool_queue_posting_check() RETURNS trigger AS $$
DECLARE
    bad record;
    n_rows bigint;
    one_pool bigint;
    bad_tx bigint;
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
        -- the statement's accounts, each once: the one pool they are all in, or NULL
        SELECT CASE WHEN count(a.id) = count(*) AND min(a.pool_id) = max(a.pool_id) THEN min(a.pool_id) END
          INTO one_pool
          FROM (SELECT DISTINCT account_id FROM new_rows) d
          LEFT JOIN pool_account a ON a.id = d.account_id;
        IF one_pool IS NOT NULL THEN
            -- each (transaction, month) once, grouped with its postings' sum and count, which are queued here;
            -- dynamic SQL, so the join is planned for this statement's row count
            EXECUTE 'WITH g AS MATERIALIZED (
                         SELECT transaction_id, period_id, SUM(amount_pence) AS s, COUNT(*) AS n
                           FROM new_rows GROUP BY transaction_id, period_id
                     ), queued AS (
                         INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
                         SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM g
                         HAVING count(*) > 0
                     )
                     SELECT g.transaction_id
                       FROM g LEFT JOIN pool_ledgertransaction t ON t.id = g.transaction_id
                      WHERE t.id IS NULL OR t.pool_id <> $1 OR t.period_id <> g.period_id
                      LIMIT 1'
               INTO bad_tx USING one_pool;
            IF bad_tx IS NULL THEN
                RETURN NULL;
            END IF;
        END IF;
        -- accounts in several pools, or something wrong: the row-by-row check names the posting
        EXECUTE 'SELECT n.transaction_id, n.account_id, t.id IS NULL AS no_tx, a.id IS NULL AS no_account,
                        a.pool_id <> t.pool_id AS other_pool
                   FROM new_rows n
                   LEFT JOIN pool_ledgertransaction t ON t.id = n.transaction_id
                   LEFT JOIN pool_account a ON a.id = n.account_id
                  WHERE t.id IS NULL OR a.id IS NULL OR a.pool_id <> t.pool_id OR n.period_id <> t.period_id
                  LIMIT 1'
           INTO bad;
        IF bad_tx IS NOT NULL AND bad.transaction_id IS NULL THEN
            RAISE EXCEPTION 'posting on ledger transaction % does not match it', bad_tx USING ERRCODE = '23503';
        END IF;
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
    INSERT INTO pool_balance_check (transaction_ids, sums, counts, new_transactions)
        SELECT array_agg(transaction_id), array_agg(s), array_agg(n), false FROM (
            SELECT transaction_id, SUM(amount_pence) AS s, COUNT(*) AS n FROM new_rows GROUP BY transaction_id
        ) AS g HAVING count(*) > 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;

CREATE OR REPLACE FUNCTION pool_queue_transaction_check() RETURNS trigger AS $$
DECLARE
    bad record;
    n_rows bigint;
    found_bad boolean;
    all_good boolean := false;
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
        -- each (pool, month) once; each reversal once (most statements have none)
        EXECUTE 'SELECT EXISTS (
                     SELECT 1 FROM (SELECT DISTINCT pool_id, period_id FROM new_rows) d
                       LEFT JOIN pool_pool p ON p.id = d.pool_id
                       LEFT JOIN pool_period m ON m.id = d.period_id
                      WHERE p.id IS NULL OR m.id IS NULL OR m.pool_id <> d.pool_id
                 ) OR EXISTS (
                     SELECT 1 FROM new_rows n LEFT JOIN pool_ledgertransaction r ON r.id = n.reverses_id
                      WHERE n.reverses_id IS NOT NULL AND (r.id IS NULL OR r.pool_id <> n.pool_id)
                 )'
           INTO found_bad;
        all_good := NOT found_bad;
        IF found_bad THEN
            -- the row-by-row check names the transaction
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
            IF bad.id IS NULL THEN
                RAISE EXCEPTION 'a ledger transaction of this statement refers to a pool, month or transaction it cannot'
                    USING ERRCODE = '23503';
            END IF;
        END IF;
    END IF;
    IF all_good THEN
        NULL;  -- nothing found by distinct key: no row to name
    ELSIF bad.no_pool THEN
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
$$ LANGUAGE plpgsql SET enable_seqscan = off;
