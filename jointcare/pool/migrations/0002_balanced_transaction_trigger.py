"""On PostgreSQL: a deferred constraint trigger checks, at commit, that each transaction's postings sum to
zero and that there are at least two of them. Other databases rely on the service-layer check."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION pool_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
    total bigint;
    n bigint;
BEGIN
    SELECT COALESCE(SUM(amount_pence), 0), COUNT(*) INTO total, n
      FROM pool_posting WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 OR n < 2 THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced: % postings summing to % pence',
            NEW.transaction_id, n, total USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pool_posting_balanced ON pool_posting;
CREATE CONSTRAINT TRIGGER pool_posting_balanced
    AFTER INSERT OR UPDATE ON pool_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pool_check_transaction_balanced();

CREATE OR REPLACE FUNCTION pool_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: correct them by reversal', TG_TABLE_NAME USING ERRCODE = '23514';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS pool_posting_append_only ON pool_posting;
CREATE TRIGGER pool_posting_append_only BEFORE UPDATE OR DELETE ON pool_posting
    FOR EACH ROW EXECUTE FUNCTION pool_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS pool_posting_append_only ON pool_posting;
DROP TRIGGER IF EXISTS pool_posting_balanced ON pool_posting;
DROP FUNCTION IF EXISTS pool_refuse_change();
DROP FUNCTION IF EXISTS pool_check_transaction_balanced();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("pool", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
