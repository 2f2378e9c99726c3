-- Undoes ledger.sql (migrating the pool back to zero on PostgreSQL).
DROP TRIGGER IF EXISTS pool_pool_in_use ON pool_pool;
DROP TRIGGER IF EXISTS pool_period_in_use ON pool_period;
DROP TRIGGER IF EXISTS pool_account_in_use ON pool_account;
DROP FUNCTION IF EXISTS pool_refuse_referenced_delete();
DROP TRIGGER IF EXISTS pool_transaction_queue_check ON pool_ledgertransaction;
DROP TRIGGER IF EXISTS pool_posting_queue_check ON pool_posting;
DROP FUNCTION IF EXISTS pool_queue_transaction_check();
DROP FUNCTION IF EXISTS pool_queue_posting_check();
DROP TRIGGER IF EXISTS pool_balance_checked_at_commit ON pool_balance_check;
DROP FUNCTION IF EXISTS pool_check_balanced_at_commit();
DROP TABLE IF EXISTS pool_balance_check;
DROP TRIGGER IF EXISTS pool_transaction_append_only ON pool_ledgertransaction;
DROP TRIGGER IF EXISTS pool_posting_append_only ON pool_posting;
DROP FUNCTION IF EXISTS pool_refuse_change();
