"""Read-only views of a pool: budget monitoring, partner statements, quarterly and year-end reports and the
ledger check (their CSV and XLSX downloads are written by jointcare.exports).

Every figure comes from `services.monitoring` (the one source: budgets phased together, the funders' split,
the forecast), so every report's totals agree with monitoring to the penny. Aggregation happens in the
database (GROUP BY over the monthly balance summary or the postings), never by looping over postings in
Python.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import urllib.parse
from contextlib import nullcontext

from django.db import connection, transaction

from jointcare.money import format_pence
from jointcare.pool import domain, services
from jointcare.pool.domain import MONTH_NAMES
from jointcare.pool.models import (
    Account,
    LedgerTransaction,
    MonthlyBalance,
    Period,
    Pool,
    Posting,
)
from jointcare.pool.services import Line, monitoring, reporting_month

__all__ = ["MONTH_NAMES", "Line", "month_labels", "monitoring", "reporting_month"]


def month_labels(financial_year: int) -> list[str]:
    """'Apr 2026' .. 'Mar 2027': the twelve months of a financial year, each with its year."""
    return [m.strftime("%b %Y") for m in domain.period_months(financial_year)]


def monitoring_table(data: dict) -> tuple[list[str], list[list]]:
    headers = ["Level", "Name", "Month", "Budget", "Commitments", "Actuals", "Forecast", "Variance", "RAG"]
    months = month_labels(data["pool"].financial_year)
    rows = []
    for level, items in (
        ("scheme", data["schemes"]),
        ("partner", data["partners"]),
        ("pool", [data["total"]]),
    ):
        for line in items:
            for m in range(12):
                rows.append(
                    [
                        level,
                        line.name,
                        months[m],
                        line.budget[m],
                        line.commitments[m],
                        line.actuals[m],
                        line.forecast[m],
                        line.forecast[m] - line.budget[m],
                        "",
                    ]
                )
            t = line.totals
            rows.append(
                [
                    level,
                    line.name,
                    "Year",
                    t["budget"],
                    t["commitments"],
                    t["actuals"],
                    t["forecast"],
                    t["variance"],
                    t["rag"],
                ]
            )
    return headers, rows


# ----------------------------------------------------------------------------------------- reports


def partner_statements(pool: Pool, today=None) -> dict:
    """As settled, if settled; otherwise a projection on the outturn monitoring forecasts (the actuals after
    the year), marked `provisional`."""
    settled = services.settlement_in_force(pool)
    if settled:
        return {
            "settled": True,
            "provisional": False,
            "basis": "actuals",
            "statements": settled.statements,
            "lines": settled.result["lines"],
        }
    preview = services.preview_settlement(pool, today)
    return {
        "settled": False,
        "provisional": True,
        "basis": preview["basis"],
        "statements": preview["statements"],
        "lines": preview["lines"],
    }


def statement_table(data: dict) -> tuple[list[str], list[list]]:
    headers = ["Partner", "Contribution due", "Money in", "Money spent", "Share of variance", "Balance due"]
    rows = [
        [
            s["partner"],
            s["contribution_due_pence"],
            s["money_in_pence"],
            s["money_spent_pence"],
            s["share_of_variance_pence"],
            s["balance_due_pence"],
        ]
        for s in data["statements"]
    ]
    return headers, rows


def quarterly(pool: Pool, through: int | None = None) -> tuple[list[str], list[list]]:
    data = monitoring(pool, through)
    headers = ["Scheme", "Quarter", "Budget", "Commitments", "Actuals", "Forecast", "Variance"]
    months = month_labels(pool.financial_year)
    rows = []
    for line in [*data["schemes"], data["total"]]:
        for q in range(4):
            sl = slice(q * 3, q * 3 + 3)
            b, c, a, f = (sum(getattr(line, x)[sl]) for x in ("budget", "commitments", "actuals", "forecast"))
            rows.append([line.name, f"Q{q + 1} ({months[q * 3]} to {months[q * 3 + 2]})", b, c, a, f, f - b])
    return headers, rows


def year_end_by_source(pool: Pool, through: int | None = None) -> tuple[list[str], list[list]]:
    """One row per partner: its contributions by type and form, the cash received, and its share of the
    schemes' budgets and of their actual spend by the funders' shares (each once, from monitoring)."""
    headers = [
        "Partner",
        "Pooled cash",
        "Pooled in kind",
        "Aligned",
        "Received",
        "Share of budgets",
        "Share of actual spend",
    ]
    data = monitoring(pool, through)
    lines = {line.partner_id: line for line in data["partners"]}
    paid = services.money_in(pool)
    amounts: dict[int, dict[str, int]] = {}
    for c in pool.contributions.all():
        kind = "aligned" if c.type == "aligned" else c.form
        amounts.setdefault(c.partner_id, {"cash": 0, "in_kind": 0, "aligned": 0})[kind] += c.amount_pence
    rows = []
    for pid, line in sorted(lines.items(), key=lambda kv: (kv[1].name, kv[0])):
        a = amounts.get(pid, {"cash": 0, "in_kind": 0, "aligned": 0})
        in_kind_pooled = a["in_kind"]
        rows.append(
            [
                line.name,
                a["cash"],
                in_kind_pooled,
                a["aligned"],
                paid.get(pid, 0) - in_kind_pooled,
                line.totals["budget"],
                line.totals["actuals"],
            ]
        )
    return headers, rows


# ----------------------------------------------------------------------------------------- ledger check


def ledger_check(pool: Pool | None = None) -> list[str]:
    """Recompute every balance from the postings and check every invariant. Returns the problems found.

    Set-based, and the postings are read twice, each time from an index that holds every column the scan needs
    (decisions 0076 and 0121), whatever their number:

    1. postings grouped by transaction (sum, count, first and last month), left-joined to the transactions:
       unbalanced transactions, postings without a transaction, transactions whose postings are in another
       month, and how many transactions have postings (the rest, counted in 2, have none);
    2. the transactions grouped by pool and month (a few dozen groups), each group judged against its month and
       pool: how many there are, transactions whose month or pool is missing or whose month is another pool's,
       and transactions posted into a month after it closed;
    3. postings grouped by account and month (a few hundred rows), joined to the account, the month and the
       stored monthly balance in the same statement: the balances that disagree with the summary, zero amounts,
       postings on a missing account, and whether every account's postings are in months of the account's own
       pool;
    4. the few reversals (the reversed transaction exists, in the same pool).

    The ledger's keys have no foreign-key constraints (decision 0035), so each scan also finds what is missing.
    Only when one of these finds a broken invariant do the slower queries run that list the transactions or count
    the postings concerned (`_posting_problems`), so a sound ledger costs the two scans and nothing more.
    """
    # PostgreSQL: one transaction, so that the planner settings below stay local to the check (on SQLite a
    # transaction would take the write lock: the check reads in autocommit there)
    with transaction.atomic(using=connection.alias) if connection.vendor == "postgresql" else nullcontext():
        with connection.cursor() as cur:
            return _ledger_check(cur, pool)


# PostgreSQL: the grouping by transaction streams in key order (the postings' covering index on their
# transaction, the transactions' primary key) and merges, holding nothing, rather than hashing every transaction
# (600 MB at 2.5 million); each scan is shared between the parallel workers the server allows.
_STREAM_IN_KEY_ORDER = ("enable_hashagg", "enable_hashjoin", "enable_sort")
_POSTGRES_PARALLEL = (
    ("jit", "off"),
    ("parallel_setup_cost", "0"),
    ("parallel_tuple_cost", "0"),
    ("min_parallel_index_scan_size", "0"),
    ("min_parallel_table_scan_size", "0"),
)


def _ledger_check(cur, pool: Pool | None) -> list[str]:
    problems: list[str] = []
    posting, tx = Posting._meta.db_table, LedgerTransaction._meta.db_table
    postgres = connection.vendor == "postgresql"
    p_where, params, b_where = "", [], ""
    tx_source = tx
    if pool is not None:
        # the pool's accounts as a list of integers (from the database): a filter each posting meets in memory
        ids = ",".join(str(int(pk)) for pk in Account.objects.filter(pool=pool).values_list("pk", flat=True))
        p_where = f"WHERE p.account_id IN ({ids})" if ids else "WHERE 1 = 0"
        b_where = f"WHERE account_id IN ({ids})" if ids else "WHERE 1 = 0"
        tx_source = f"(SELECT * FROM {tx} WHERE pool_id = %s)"
        params = [pool.pk]

    # On SQLite, reading a file, the scans of the postings (1, split in two ranges of transactions, and 3) run
    # meanwhile on read-only connections of their own, each in a thread (SQLite reads in parallel and gives up
    # Python's lock while it scans); step 2 runs here.
    by_account_sql = _by_account_sql(p_where, b_where)
    scans = None
    if not postgres and _readable_elsewhere():
        cur.execute(f"SELECT MIN(id), MAX(id) FROM {tx}")
        low, high = cur.fetchone()
        parts = _by_transaction_sql(tx_source, p_where, params, _ranges(low, high, 2), "?")
        scans = [_in_another_thread(sql, args) for sql, args in [*parts, (by_account_sql, [])]]
    try:
        if postgres:
            for setting, value in _POSTGRES_PARALLEL:
                cur.execute(f"SET LOCAL {setting} = {value}")
        # 2. the transactions by pool and month
        transactions, late, no_pool, no_period, month_of_other_pool = _transaction_month_problems(
            cur, tx_source, params
        )
        if scans is None:
            # 1. by transaction
            if postgres:
                for setting in _STREAM_IN_KEY_ORDER:
                    cur.execute(f"SET LOCAL {setting} = off")
            by_transaction = _by_transaction(cur, tx, tx_source, p_where, params, postgres)
            if postgres:
                for setting in _STREAM_IN_KEY_ORDER:
                    cur.execute(f"RESET {setting}")
            # 3. by account and month
            cur.execute(by_account_sql)
            rows = cur.fetchall()
    finally:
        for scan in scans or []:
            scan.wait()
    if postgres:  # SET LOCAL lasts to the end of the outermost transaction, which may be the caller's
        for setting, _ in _POSTGRES_PARALLEL:
            cur.execute(f"RESET {setting}")
    if scans is not None:
        *parts_found, rows = [scan.result() for scan in scans]
        by_transaction = [sum(int(found[0][i] or 0) for found in parts_found) for i in range(4)]
    bad, no_tx, with_postings, other_period = by_transaction
    # each transaction with postings is one group of step 1 while all its postings are in its month; when some are
    # not (other_period), a transaction can be several groups, and the transactions without postings are looked for
    empty = transactions - with_postings if not other_period else max(transactions - with_postings, 1)
    if bad:
        cur.execute(
            f"SELECT p.transaction_id, SUM(p.amount_pence), COUNT(*) FROM {posting} p {p_where}"
            f" GROUP BY p.transaction_id HAVING SUM(p.amount_pence) <> 0 OR COUNT(*) < 2 LIMIT 100",
        )
        for tx_id, total, n in cur.fetchall():
            problems.append(f"transaction {tx_id}: {n} postings summing to {format_pence(int(total))}")
    if empty:
        cur.execute(
            f"SELECT t.id FROM {tx} t WHERE {'t.pool_id = %s AND ' if pool else ''}NOT EXISTS"
            f" (SELECT 1 FROM {posting} p WHERE p.transaction_id = t.id) LIMIT 100",
            params,
        )
        for (tx_id,) in cur.fetchall():
            problems.append(f"transaction {tx_id}: has no postings")

    zero = no_account = 0
    account_elsewhere = False
    disagree = []
    for account_id, period_id, total, n, have, have_n, zeros, missing, account_pool, period_pool in rows:
        zero += int(zeros)
        if missing:
            no_account += int(n)
        elif n and account_pool != period_pool:
            account_elsewhere = True
        if (int(total), int(n)) != (int(have), int(have_n)):
            disagree.append((account_id, period_id, int(have), int(have_n), int(total), int(n)))
    if zero:
        problems.append(f"{zero} postings have a zero amount")

    # The postings' month and pool agree with their transaction's when (1) every transaction's postings are in
    # its month, (2) every transaction's month is its pool's and (3) every account's postings are in months of
    # the account's pool. Only if one of these fails are the postings joined to their transaction and account, to
    # count those concerned, exactly as such a join always did.
    if other_period or no_tx or no_account or account_elsewhere or no_period or month_of_other_pool:
        problems += _posting_problems(cur, p_where)
    if late:
        problems.append(f"{late} transactions were posted into a month after it closed")
    if no_pool:
        problems.append(f"{no_pool} transactions refer to a pool that does not exist")
    if no_period:
        problems.append(f"{no_period} transactions refer to a month that does not exist")
    if month_of_other_pool:
        problems.append(f"{month_of_other_pool} transactions are in a month of another pool")

    # 4. reversals
    cur.execute(
        f"SELECT COUNT(*) FROM {tx} t LEFT JOIN {tx} r ON r.id = t.reverses_id"
        # (a range, rather than IS NOT NULL, so that SQLite reads the few reversals from their unique index too)
        f" WHERE t.reverses_id >= {-(2**63 - 1)} AND (r.id IS NULL OR r.pool_id <> t.pool_id)"
        f"{' AND t.pool_id = %s' if pool else ''}",
        params,
    )
    (bad_reversals,) = cur.fetchone()
    if bad_reversals:
        problems.append(f"{bad_reversals} transactions reverse a transaction missing from their pool")

    for account_id, period_id, have, have_n, want, want_n in sorted(disagree):
        problems.append(
            f"account {account_id} month {period_id}: balance {format_pence(have)} ({have_n} postings) "
            f"but the postings sum to {format_pence(want)} ({want_n} postings)"
        )
    return problems


_SPLIT_ABOVE = 100_000  # transactions (by their ids' span) below which one process groups them all


def _by_transaction(cur, tx: str, tx_source: str, p_where: str, params: list, postgres: bool) -> list[int]:
    """[unbalanced transactions (or more), postings without a transaction, transactions with postings (or more),
    groups of postings in another month from their transaction]: the postings grouped by transaction and month,
    left-joined to the transactions; see `_by_transaction_sql`.

    On PostgreSQL the transactions are split into as many ranges of ids as the server has parallel workers for
    the query (and one for the query's own process): each range is grouped and joined whole by one process
    (a Parallel Append), so no transaction is split between processes and no group is passed between them."""
    bounds = [None, None]
    if postgres:
        cur.execute(f"SELECT current_setting('max_parallel_workers_per_gather')::int, MIN(id), MAX(id) FROM {tx}")
        workers, low, high = cur.fetchone()
        bounds = _ranges(low, high, min(workers + 1, 8))
    parts = _by_transaction_sql(tx_source, p_where, params, bounds, "%s")
    if len(parts) == 1:
        cur.execute(*parts[0])
    else:
        cur.execute(
            "SELECT SUM(bad), SUM(no_tx), SUM(matched), SUM(other) FROM ("
            + " UNION ALL ".join(sql for sql, _ in parts) + ") AS r",
            [x for _, args in parts for x in args],
        )
    return [int(x or 0) for x in cur.fetchone()]


_SPLIT_ABOVE = 100_000  # transactions (by their ids' span) below which one process groups them all


def _ranges(low: int | None, high: int | None, parts: int) -> list[int | None]:
    """Bounds splitting the ids low..high into `parts` ranges (None: unbounded, so that postings of a transaction
    that does not exist are counted too), or one range for a few transactions."""
    if parts < 2 or low is None or high - low <= _SPLIT_ABOVE:
        return [None, None]
    return [None, *(low + (high - low) * i // parts for i in range(1, parts)), None]


def _by_transaction_sql(tx_source: str, p_where: str, params: list, bounds: list, mark: str) -> list[tuple]:
    """(SQL, parameters) grouping the postings of each range of transactions between `bounds` (see
    `_by_transaction`); `mark` is the driver's parameter mark.

    The postings are grouped by transaction and month, in the order of their covering index, with two sums each
    (decision 0126): while every transaction's postings are in its own month, which `other` counts, each
    transaction is one group and every figure is exact. Otherwise a transaction may be several groups: `bad` can
    then only count more (a transaction whose postings do not sum to zero has a group that does not; one with
    fewer than two postings has only such groups) and `matched` too, which the caller allows for."""
    parts = []
    for start, end in itertools.pairwise(bounds):
        p_cond = [p_where.removeprefix("WHERE ")] if p_where else []
        t_cond = ""
        if start is not None:
            p_cond.append(f"p.transaction_id >= {int(start)}")
            t_cond += f" AND t.id >= {int(start)}"
        if end is not None:
            p_cond.append(f"p.transaction_id < {int(end)}")
            t_cond += f" AND t.id < {int(end)}"
        where = f"WHERE {' AND '.join(p_cond)}" if p_cond else ""
        parts.append((
            "SELECT COALESCE(SUM(CASE WHEN g.s <> 0 OR g.n < 2 THEN 1 ELSE 0 END), 0) AS bad,"
            " COALESCE(SUM(CASE WHEN t.id IS NULL THEN g.n ELSE 0 END), 0) AS no_tx, COUNT(t.id) AS matched,"
            " COALESCE(SUM(CASE WHEN g.period_id <> t.period_id THEN 1 ELSE 0 END), 0) AS other"
            " FROM (SELECT p.transaction_id, p.period_id, SUM(p.amount_pence) AS s, COUNT(*) AS n"
            f"  FROM {Posting._meta.db_table} p {where} GROUP BY p.transaction_id, p.period_id) AS g"
            f" LEFT JOIN {tx_source.replace('%s', mark)} t ON t.id = g.transaction_id{t_cond}",
            list(params),
        ))
    return parts


def _by_account_sql(p_where: str, b_where: str) -> str:
    """The postings grouped by account and month (a few hundred rows), beside the stored monthly balance and
    joined to the account and the month, in one statement, so that both agree on what has been posted."""
    posting, account = Posting._meta.db_table, Account._meta.db_table
    period_t, mb = Period._meta.db_table, MonthlyBalance._meta.db_table
    return (
        "SELECT COALESCE(g.account_id, b.account_id), COALESCE(g.period_id, b.period_id), COALESCE(g.s, 0),"
        " COALESCE(g.n, 0), COALESCE(b.amount_pence, 0), COALESCE(b.postings, 0),"
        # zero amounts: a look-up in the (account, month, amount) index for each group, not a test of each posting
        # (outside the grouping, which PostgreSQL's parallel workers can then do)
        f" (SELECT COUNT(*) FROM {posting} z WHERE z.account_id = g.account_id AND z.period_id = g.period_id"
        "  AND z.amount_pence = 0),"
        " g.account_id IS NOT NULL AND a.id IS NULL, a.pool_id, m.pool_id FROM ("
        " SELECT p.account_id, p.period_id, SUM(p.amount_pence) AS s, COUNT(*) AS n"
        f"  FROM {posting} p {p_where} GROUP BY p.account_id, p.period_id) AS g"
        f" FULL OUTER JOIN (SELECT account_id, period_id, amount_pence, postings FROM {mb} {b_where}) AS b"
        "  ON b.account_id = g.account_id AND b.period_id = g.period_id"
        f" LEFT JOIN {account} a ON a.id = g.account_id LEFT JOIN {period_t} m ON m.id = g.period_id"
    )


class _Pending:
    """The rows of a query running in another thread."""

    def __init__(self, thread: threading.Thread, box: dict):
        self.thread, self.box = thread, box

    def wait(self) -> None:
        self.thread.join()

    def result(self) -> list[tuple]:
        self.wait()
        if "error" in self.box:
            raise self.box["error"]
        return self.box["rows"]


def _readable_elsewhere() -> bool:
    """Whether another connection to this SQLite database sees what this one sees: not for a database in memory,
    nor while this connection is inside a transaction (whose writes no other connection can read)."""
    name = str(connection.settings_dict["NAME"])
    return not (connection.in_atomic_block or name == ":memory:" or name.startswith("file:") or "mode=memory" in name)


def _in_another_thread(sql: str, params: list) -> _Pending:
    """Start `sql` on a read-only connection of its own to this SQLite file, in another thread."""
    name = str(connection.settings_dict["NAME"])
    box: dict = {}

    def run() -> None:
        try:
            other = sqlite3.connect(f"file:{urllib.parse.quote(name)}?mode=ro", uri=True, timeout=20)
            try:
                box["rows"] = other.execute(sql, params).fetchall()
            finally:
                other.close()
        except Exception as exc:  # noqa: BLE001 - raised in the caller's thread by `result`
            box["error"] = exc

    thread = threading.Thread(target=run, name="ledger-check", daemon=True)
    thread.start()
    return _Pending(thread, box)


def _transaction_month_problems(cur, tx_source: str, params: list) -> list[int]:
    """[transactions, late, no pool, no month, month of another pool]: the transactions grouped by pool and month
    (a few dozen groups), each group judged against its month and pool; transactions posted after their month
    closed are counted only if a closed month's latest transaction is later than its closing (compared in SQL,
    where both are stored alike)."""
    tx, period_t, pool_t = LedgerTransaction._meta.db_table, Period._meta.db_table, Pool._meta.db_table
    cur.execute(
        "SELECT g.pool_id, g.period_id, g.n, o.id IS NULL, m.id IS NULL, m.pool_id, m.closed AND g.last > m.closed_at"
        " FROM (SELECT t.pool_id, t.period_id, COUNT(*) AS n, MAX(t.posted_at) AS last FROM"
        f" {tx_source} t GROUP BY t.pool_id, t.period_id) AS g"
        f" LEFT JOIN {period_t} m ON m.id = g.period_id LEFT JOIN {pool_t} o ON o.id = g.pool_id",
        params,
    )
    total = late = no_pool = no_period = other_pool = 0
    late_months = []
    for pool_id, period_id, n, no_o, no_m, month_pool, closed_since in cur.fetchall():
        total += n
        no_pool += n if no_o else 0
        if no_m:
            no_period += n
        elif month_pool != pool_id:
            other_pool += n
        elif closed_since and not no_o:  # a closed month, and a transaction after its closing
            late_months.append(period_id)
    if late_months:
        cur.execute(
            f"SELECT COUNT(*) FROM {tx} t JOIN {period_t} m ON m.id = t.period_id"
            f" WHERE t.period_id IN ({','.join(str(int(i)) for i in late_months)}) AND t.pool_id = m.pool_id"
            " AND t.posted_at > m.closed_at",
        )
        (late,) = cur.fetchone()
    return [total, late, no_pool, no_period, other_pool]


def _posting_problems(cur, p_where: str) -> list[str]:
    """Postings in another month from their transaction, on an account of another pool, or whose transaction or
    account does not exist, counted by joining every posting to its transaction and account."""
    posting, tx, account = Posting._meta.db_table, LedgerTransaction._meta.db_table, Account._meta.db_table
    problems = []
    cur.execute(
        "SELECT COALESCE(SUM(CASE WHEN p.period_id <> t.period_id THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN a.pool_id <> t.pool_id THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN t.id IS NULL THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN a.id IS NULL THEN 1 ELSE 0 END), 0)"
        f" FROM {posting} p LEFT JOIN {tx} t ON t.id = p.transaction_id"
        f" LEFT JOIN {account} a ON a.id = p.account_id {p_where}",
    )
    other_period, other_pool, no_tx, no_account = (int(x) for x in cur.fetchone())
    if other_period:
        problems.append(f"{other_period} postings are in a different month from their transaction")
    if other_pool:
        problems.append(f"{other_pool} postings are on an account of another pool")
    if no_tx:
        problems.append(f"{no_tx} postings refer to a transaction that does not exist")
    if no_account:
        problems.append(f"{no_account} postings refer to an account that does not exist")
    return problems


def periods_summary(pool: Pool) -> list[Period]:
    return list(pool.periods.all())
