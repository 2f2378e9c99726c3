"""On PostgreSQL: the ledger's key checks of large statements once for each distinct key rather than for each row
(pool/sql/ledger_large_statements.sql, decision 0123).

Only the parts of the two queueing triggers that concern large statements change (their declarations, their
branch for statements of more than 64 rows, and, for transactions, the start of the errors' chain), and they are
replaced in the functions as the database holds them, so that whatever other migrations changed in the rest of
them (what small statements queue, decision 0125) stays, in whichever order the two run. The migration refuses to
run if a part is not exactly the one it expects; undone, it puts each part back as it was."""

import re
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql"


def _function(text: str, name: str) -> str:
    return re.search(rf"CREATE OR REPLACE FUNCTION {name}\(\).*?\$\$ LANGUAGE plpgsql[^;]*;", text, re.S).group(0)


def _parts(definition: str) -> list[str]:
    """The parts this migration changes, in a function's definition: its declarations, its branch for large
    statements, and the start of its errors' chain (up to its first RAISE)."""
    declarations = re.search(r"DECLARE\n.*?BEGIN\n", definition, re.S).group(0)
    large = re.search(r"    ELSE\n        PERFORM set_config\('enable_seqscan'.*?\n    END IF;\n", definition, re.S).group(0)
    errors = re.search(r"    IF (?:all_good|bad\.no_\w+) THEN\n.*?RAISE", definition, re.S).group(0)
    return [declarations, large, errors]


def _pairs() -> dict[str, list[tuple[str, str]]]:
    """For each function, (part as ledger_small_statements.sql has it, part as ledger_large_statements.sql has it)."""
    small = (SQL / "ledger_small_statements.sql").read_text(encoding="utf-8")
    large = (SQL / "ledger_large_statements.sql").read_text(encoding="utf-8")
    return {
        name: list(zip(_parts(_function(small, name)), _parts(_function(large, name)), strict=True))
        for name in ("pool_queue_posting_check", "pool_queue_transaction_check")
    }


def _replace(schema_editor, function: str, pairs: list[tuple[str, str]]) -> None:
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT pg_get_functiondef(%s::regproc)", [function])
        definition = cur.fetchone()[0]
    for old, new in pairs:
        if definition.count(old) != 1:
            raise RuntimeError(f"{function}: a part of it is not the one migration pool 0005 expects")
        definition = definition.replace(old, new)
    schema_editor.execute(definition, params=None)


def large_statements(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for function, pairs in _pairs().items():
            _replace(schema_editor, function, pairs)


def as_before(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for function, pairs in _pairs().items():
            _replace(schema_editor, function, [(new, old) for old, new in pairs])


class Migration(migrations.Migration):
    dependencies = [("pool", "0004_ledger_check_indexes")]

    operations = [migrations.RunPython(large_statements, as_before)]
