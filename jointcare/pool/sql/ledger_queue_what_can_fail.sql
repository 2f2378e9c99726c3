-- Queue only what can unbalance a transaction (decision 0125; applied by migration 0006, whose reverse puts back
-- the definitions of before). The key checks, the locks and every error of the triggers stay as they are; what
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
-- This file holds the check at commit, run whole. The two queueing triggers' last statement (the INSERT into
-- pool_balance_check) is replaced in the functions as the database holds them, by migration 0006, with the two
-- `*_QUEUE_SMALL` texts there: so only that statement changes, whatever other migrations did to the rest of
-- those functions (the large statements' path, for instance). The migration refuses to run if that statement is
-- not the one it expects.
--
-- The check at commit refuses what it refused before: a sum other than zero, or a new transaction with fewer
-- than two postings; before refusing the latter it counts the transaction's postings (all of them added by this
-- database transaction, since the transaction is new), as zero-sum groups were not queued.

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
