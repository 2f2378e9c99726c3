"""Posting to the ledger. Each write is one database transaction with one audit entry.

`post_transaction` (one) and `post_transactions_bulk` (many, for imports and loads) validate with the same
domain rules, refuse closed months and a settled pool (locking the month rows with SELECT ... FOR UPDATE), keep
`MonthlyBalance` in step in the same database transaction, and are idempotent by key: each transaction stores
the digest of its payload, so the same key with the same payload answers with the transaction already posted
and with another payload is a conflict (409), even when two requests race (decision 0036).

`post_transaction` writes a new transaction with one statement checked against the pool's cached state
(`ledger_state`), the month's row locked in that statement; anything else takes the full path (decision 0070).
Outside a database transaction that statement (PostgreSQL) or short run of statements (SQLite) is a transaction
of its own; bulk posting validates inline and writes one COPY or executemany per table (decision 0118). The
actuals import, which has checked its entries and looked their keys up itself, posts through `post_checked_bulk`,
which does not do either again and keeps every other guarantee (decision 0122).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone

from jointcare.audit.services import entry_fields, record
from jointcare.errors import Conflict, FieldError, ServiceError
from jointcare.grammar import plural
from jointcare.money import MAX_AMOUNT_PENCE, MAX_BALANCE_PENCE, format_pence
from jointcare.pool import domain
from jointcare.pool.domain import AccountKind, Action, LedgerError, TransactionKind
from jointcare.pool.domain.periods import financial_year_bounds
from jointcare.pool.models import Account, Contribution, LedgerTransaction, MonthlyBalance, Period, Pool, Posting
from jointcare.pool.services import ledger_state
from jointcare.pool.services.periods import require
from jointcare.pool.services.setup import account_for

TX_CHUNK = 500  # transactions per multi-row INSERT on SQLite (12 values each), within the build's variable limit


@dataclass
class Entry:
    """One transaction to post: postings are (account id, amount pence)."""

    key: str
    value_date: dt.date
    postings: Sequence[tuple[int, int]]
    reason: str
    kind: str = TransactionKind.ADJUSTMENT
    reference: str = ""
    reverses_id: int | None = None

    @property
    def digest(self) -> str:
        return domain.payload_digest(
            kind=self.kind,
            value_date=self.value_date,
            postings=self.postings,
            reason=self.reason,
            reference=self.reference,
            reverses=self.reverses_id,
        )


@dataclass
class BulkResult:
    posted: int
    skipped: int
    postings: int
    transaction_ids: list[int]


def _periods_for(pool: Pool, numbers: Iterable[int], lock: bool) -> dict[int, Period]:
    qs = Period.objects.filter(pool=pool, number__in=set(numbers)).order_by("number")
    if lock:
        qs = qs.select_for_update()
    return {p.number: p for p in qs}


def _validate(pool: Pool, entry: Entry, accounts: set[int]) -> int:
    """Domain checks for one entry; returns its period number."""
    if not entry.key:
        raise FieldError("every transaction needs an idempotency key", field="key")
    if len(entry.key) > 120:
        raise FieldError("the idempotency key is longer than 120 characters", field="key")
    if not entry.reason:
        raise FieldError("every transaction needs a reason", field="reason")
    if len(entry.reason) > 300:
        raise FieldError("the reason is longer than 300 characters", field="reason")
    if len(entry.reference) > 120:
        raise FieldError("the reference is longer than 120 characters", field="reference")
    try:
        domain.check_transaction([a for _, a in entry.postings])
    except LedgerError as exc:
        raise FieldError(str(exc), field="postings") from None
    try:
        number = domain.period_number(pool.financial_year, entry.value_date)
    except ValueError as exc:
        raise FieldError(str(exc), field="value_date") from None
    for account_id, _ in entry.postings:
        if account_id not in accounts:
            raise FieldError(f"account {account_id} is not in pool {pool}", field="postings.account")
    return number


def _validate_all(pool: Pool, entries: Sequence[Entry], accounts: frozenset[int]) -> list[int]:
    """`_validate` for each entry, and each key once: their period numbers. The common case (everything in
    order) is checked inline, with the same rules; an entry that fails any of them goes through `_validate`,
    which raises the error it would have raised alone. An account not in the cached state makes the state load
    again first: nothing is refused on the cache's word."""
    start, end = financial_year_bounds(pool.financial_year)
    numbers: list[int] = []
    seen: set[str] = set()
    reloaded = False
    for i, e in enumerate(entries, start=1):
        key, reason, postings, day = e.key, e.reason, e.postings, e.value_date
        if (
            type(key) is str and type(reason) is str and type(e.reference) is str and type(day) is dt.date
            and 0 < len(key) <= 120 and 0 < len(reason) <= 300 and len(e.reference) <= 120
            and len(postings) >= 2 and start <= day <= end and key not in seen
        ):
            total = 0
            for a, x in postings:
                if type(x) is not int or not (0 < x <= MAX_AMOUNT_PENCE or -MAX_AMOUNT_PENCE <= x < 0) or a not in accounts:
                    break
                total += x
            else:
                if total == 0:
                    numbers.append((day.month - 4) % 12 + 1)
                    seen.add(key)
                    continue
        # the slow path: the exact error (or, after loading the state again, a new account accepted)
        if not reloaded and any(a not in accounts for a, _ in postings):
            accounts = ledger_state.load(pool.pk).accounts  # refuse an account only on what the database says
            reloaded = True
        try:
            number = _validate(pool, e, accounts)
        except ServiceError as exc:
            raise FieldError(f"entry {i} ({e.key}): {exc.message}", field=exc.field) from None
        if key in seen:
            raise FieldError(f"entry {i}: key {e.key} appears twice", field="key")
        seen.add(key)
        numbers.append(number)
    return numbers


def existing_digests(pool: Pool, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    """key -> (transaction id, payload digest) for those of `keys` the pool already holds: one query for any
    number of keys, the keys as one array parameter on PostgreSQL and as one JSON array (json_each) on SQLite,
    where binding a variable a key would take several hundred statements (and Django's rewriting of each)."""
    table = LedgerTransaction._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT idempotency_key, id, digest FROM {table} WHERE pool_id = %s AND idempotency_key = ANY(%s)",
                [pool.pk, list(keys)],
            )
            rows = cur.fetchall()
    else:
        connection.ensure_connection()
        with connection.wrap_database_errors:
            cur = connection.connection.cursor()  # the driver's cursor: one JSON parameter, no SQL rewriting
            try:
                cur.execute(
                    f"SELECT idempotency_key, id, digest FROM {table} WHERE pool_id = ? AND idempotency_key IN "
                    "(SELECT value FROM json_each(?))",
                    (pool.pk, json.dumps(list(keys), ensure_ascii=False)),
                )
                rows = cur.fetchall()
            finally:
                cur.close()
    return {key: (pk, digest) for key, pk, digest in rows}


def _same_request(entry: Entry, existing: tuple[int, str], label: str = "") -> int:
    """The transaction already posted under `entry.key` if it says the same; Conflict otherwise."""
    pk, digest = existing
    if digest != entry.digest:
        raise Conflict(
            f"{label}key {entry.key} was already used for transaction {pk} with different details: use a new key "
            "for a new transaction",
            field="key",
        )
    return pk


def _copy_text(value: str) -> str:
    """A string as a field of PostgreSQL's COPY text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_value(value) -> str:
    return "\\N" if value is None else str(value)


_COPY_NULL = "\\N"
COPY_ROWS = 2_000  # transactions per write to a COPY: the server inserts one chunk while the next is built


def _write(actor, pool: Pool, entries: Sequence[Entry], period_ids: Sequence[int], source: str) -> list[int]:
    """Insert transactions and postings (validated already by the caller; `period_ids[i]` is the month of
    `entries[i]`) and add them to the monthly balances: on PostgreSQL ids from the sequence and one COPY for each
    table, written in chunks as they are built; on SQLite (one writer at a time) ids after the largest given out
    and one executemany for each table. Returns the new transaction ids in the order of `entries`."""
    ops = connection.ops
    posted_at = ops.adapt_datetimefield_value(timezone.now())
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    tx_table = LedgerTransaction._meta.db_table
    cols = (
        "pool_id, period_id, idempotency_key, digest, kind, value_date, source, reason, reference, posted_by_id, "
        "posted_at, reverses_id"
    )
    source = source[:80]
    sums: dict[tuple[int, int], list[int]] = {}
    for e, period_id in zip(entries, period_ids, strict=True):
        for account_id, amount in e.postings:
            s = sums.get((account_id, period_id))
            if s is None:
                sums[(account_id, period_id)] = [amount, 1]
            else:
                s[0] += amount
                s[1] += 1
    for (account_id, _period), (amount, _) in sums.items():
        if abs(amount) > MAX_BALANCE_PENCE:
            raise FieldError(
                f"these postings would move account {account_id} by {format_pence(amount)} in one month, more than "
                f"the largest balance allowed, {format_pence(MAX_BALANCE_PENCE)}",
                field="postings",
            )
    n = len(entries)
    posting_cols = "(transaction_id, account_id, period_id, amount_pence)"
    # COPY goes to the driver's cursor: wrap its errors as Django's (IntegrityError), as for any query
    with connection.cursor() as cur, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            # the sequence's name found once (not once for each id, as `nextval(pg_get_serial_sequence(...))` did)
            cur.execute(
                f"WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('{tx_table}', 'id')::regclass AS seq) "
                "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                [n],
            )
            new_ids = [r[0] for r in cur.fetchall()]
            # COPY text built here: several times faster than per-value adaptation for these simple types
            fixed = f"\t{pool.pk}\t"
            who = f"\t{_copy_value(actor_id)}\t{posted_at.isoformat()}\t"
            src = f"\t{_copy_text(source)}\t"
            texts: dict[str, str] = {}  # reasons and references repeat: escaped once
            dates: dict[dt.date, str] = {}

            def text(value: str) -> str:
                t = texts.get(value)
                if t is None:
                    t = texts[value] = _copy_text(value)
                return t

            with cur.cursor.copy(f"COPY {tx_table} (id, {cols}) FROM STDIN") as copy:
                for start in range(0, n, COPY_ROWS):
                    buf = []
                    for tx_id, e, period_id in zip(
                        new_ids[start : start + COPY_ROWS], entries[start : start + COPY_ROWS],
                        period_ids[start : start + COPY_ROWS], strict=True,
                    ):
                        day = dates.get(e.value_date)
                        if day is None:
                            day = dates[e.value_date] = e.value_date.isoformat()
                        buf.append(
                            f"{tx_id}{fixed}{period_id}\t{_copy_text(e.key)}\t{e.digest}\t{e.kind}\t{day}"
                            f"{src}{text(e.reason)}\t{text(e.reference)}{who}"
                            f"{_COPY_NULL if e.reverses_id is None else e.reverses_id}\n"
                        )
                    copy.write("".join(buf))
            with cur.cursor.copy(f"COPY {Posting._meta.db_table} {posting_cols} FROM STDIN") as copy:
                for start in range(0, n, COPY_ROWS):
                    copy.write(
                        "".join(
                            [
                                f"{tx_id}\t{a}\t{period_id}\t{x}\n"
                                for tx_id, e, period_id in zip(
                                    new_ids[start : start + COPY_ROWS], entries[start : start + COPY_ROWS],
                                    period_ids[start : start + COPY_ROWS], strict=True,
                                )
                                for a, x in e.postings
                            ]
                        )
                    )
        else:
            raw = cur.cursor
            # one writer at a time (the IMMEDIATE transaction holds the write lock): the ids after the largest
            # ever given out (AUTOINCREMENT's record of it, or the table's largest) are this call's
            raw.execute(
                f"SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{tx_table}'), 0), "
                f"COALESCE((SELECT max(id) FROM {tx_table}), 0))"
            )
            first = raw.fetchone()[0] + 1
            new_ids = list(range(first, first + n))
            days = {}
            rows = []
            pool_id = pool.pk  # (a property: read once, not once a row)
            for tx_id, e, period_id in zip(new_ids, entries, period_ids, strict=True):
                day = days.get(e.value_date)
                if day is None:
                    day = days[e.value_date] = ops.adapt_datefield_value(e.value_date)
                rows.append(
                    (
                        tx_id, pool_id, period_id, e.key, e.digest, str(e.kind), day, source, e.reason, e.reference,
                        actor_id, posted_at, e.reverses_id,
                    )
                )
            raw.executemany(
                f"INSERT INTO {tx_table} (id, {cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            raw.executemany(
                f"INSERT INTO {Posting._meta.db_table} {posting_cols} VALUES (?, ?, ?, ?)",
                [
                    (tx_id, a, period_id, x)
                    for tx_id, e, period_id in zip(new_ids, entries, period_ids, strict=True)
                    for a, x in e.postings
                ],
            )
        mb = MonthlyBalance._meta.db_table
        changes = [(a, p, amount, k) for (a, p), (amount, k) in sorted(sums.items())]
        if connection.vendor == "postgresql":
            # one statement; no other writer can touch these rows, as their periods are locked
            cur.execute(
                f"UPDATE {mb} AS mb SET amount_pence = mb.amount_pence + v.a, postings = mb.postings + v.n "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(account_id, period_id, a, n) "
                "WHERE mb.account_id = v.account_id AND mb.period_id = v.period_id",
                [[c[0] for c in changes], [c[1] for c in changes], [c[2] for c in changes], [c[3] for c in changes]],
            )
        else:
            cur.cursor.executemany(
                f"UPDATE {mb} SET amount_pence = amount_pence + ?, postings = postings + ? "
                "WHERE account_id = ? AND period_id = ?",
                [(amount, k, a, p) for a, p, amount, k in changes],
            )
    return new_ids


def _is_key_clash(exc: IntegrityError) -> bool:
    text = str(exc)
    return "transaction_key_once_per_pool" in text or "pool_ledgertransaction.idempotency_key" in text


def _post_entries(
    actor, pool: Pool, entries: list[tuple[Entry, Period]], source: str, *, action: Action | None = Action.POST
) -> tuple[dict[str, int], dict[str, int]]:
    """Write the entries whose keys are new; answer the others with the transaction already there (or
    Conflict if it says something else). New entries need the pool's state to allow `action` (None: the
    caller is itself a lifecycle step, settling or reopening). A concurrent request that posts one of the keys first makes the write
    fail on the unique key: it is rolled back to a savepoint and the keys looked up again, so the caller gets
    the winner's transaction, never an IntegrityError. Returns (posted, already there): key -> id."""
    posted: dict[str, int] = {}
    already: dict[str, int] = {}
    todo = entries
    for _ in range(3):
        existing = existing_digests(pool, [e.key for e, _ in todo])
        fresh = []
        for i, (e, period) in enumerate(todo, start=1):
            if e.key in existing:
                already[e.key] = _same_request(e, existing[e.key], f"entry {i}: " if len(todo) > 1 else "")
            else:
                if period.closed:
                    raise Conflict(
                        f"{e.key}: period {period.label} is closed: nothing can be posted into it", field="value_date"
                    )
                fresh.append((e, period))
        if not fresh:
            return posted, already
        if action is not None:
            require(pool, action)
        try:
            with transaction.atomic():  # a savepoint: a lost race undoes only this write
                ids = _write(actor, pool, [e for e, _ in fresh], [period.id for _, period in fresh], source)
        except IntegrityError as exc:
            if "monthly_balance_within_bounds" in str(exc):
                raise _beyond_bound() from None
            if not _is_key_clash(exc):
                raise
            todo = fresh
            continue
        posted.update((e.key, pk) for (e, _), pk in zip(fresh, ids, strict=True))
        return posted, already
    raise Conflict("other requests kept posting the same keys: try again", field="key")


def _account_ids(pool: Pool) -> set[int]:
    return set(Account.objects.filter(pool=pool).values_list("pk", flat=True))


def post_transaction(
    actor,
    pool: Pool,
    *,
    key: str,
    value_date: dt.date,
    postings: Sequence[tuple[Account | int, int]],
    reason: str,
    source: str = "manual",
    kind: str = TransactionKind.ADJUSTMENT,
    reference: str = "",
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post one balanced transaction. The same key with the same details returns the transaction already
    posted; with other details it is a Conflict.

    A new transaction in an open month of a pool whose cached state is current is written by one statement
    (`_post_one`, decision 0070); anything else (a key already used, a closed month, a state that refuses
    posting, a stale cache, a refusal to explain) takes the full path below, which reads everything afresh."""
    entry = Entry(
        key=key,
        value_date=value_date,
        postings=[(a.pk if isinstance(a, Account) else a, amount) for a, amount in postings],
        reason=reason,
        kind=kind,
        reference=reference,
        reverses_id=reverses.pk if reverses else None,
    )
    tried = False
    conn = connections[DEFAULT_DB_ALIAS]
    if not conn.in_atomic_block and conn.get_autocommit():
        # outside any database transaction: on PostgreSQL the one statement is a transaction of its own, checked
        # (deferred balance check included) and committed as it ends; on SQLite the short run of statements
        # goes between its own BEGIN IMMEDIATE and COMMIT, without the bookkeeping of a Django atomic block
        tx = _post_one(actor, pool, entry, source, conn, standalone=True)
        if tx is not None:
            return tx
        tried = True
    return _post_in_transaction(actor, pool, entry, source, tried)


@transaction.atomic
def _post_in_transaction(actor, pool: Pool, entry: Entry, source: str, tried: bool) -> LedgerTransaction:
    if not tried:
        tx = _post_one(actor, pool, entry, source, connections[DEFAULT_DB_ALIAS], standalone=False)
        if tx is not None:
            return tx
    key, kind, reason = entry.key, entry.kind, entry.reason
    number = _validate(pool, entry, _account_ids(pool))
    period = _periods_for(pool, [number], lock=True)[number]
    posted, already = _post_entries(actor, pool, [(entry, period)], source)
    tx = LedgerTransaction.objects.get(pk=posted.get(key) or already[key])
    if posted:
        record(
            actor,
            "pool.post",
            tx,
            after={"key": key, "postings": entry.postings, "period": period.label},
            summary=f"Posted {kind} {key} in {pool}: {reason}",
        )
    return tx


def _post_one(actor, pool: Pool, entry: Entry, source: str, conn, standalone: bool) -> LedgerTransaction | None:
    """Post a new transaction with one statement (PostgreSQL) or one short run of statements (SQLite), checked
    against the pool's cached state (`ledger_state`). None when the full path must answer instead: the key is
    already used, the month is closed, the pool's state refuses posting, the cache was stale (it is then
    reloaded), or the entry is invalid (the full path raises the error). `standalone`: no database transaction
    is open on `conn`, so this one is its own (and nothing is left written when it answers None)."""
    state = ledger_state.state_of(pool.pk, conn)
    postings = entry.postings
    accounts = state.accounts
    if any(a not in accounts for a, _ in postings):
        state = ledger_state.load(pool.pk)  # perhaps a new account: refuse only on what the database says
    try:
        number = _validate(pool, entry, state.accounts)
    except ServiceError:
        return None
    period_id, closed, label = state.periods[number]
    if closed or not state.can_post:
        ledger_state.forget(pool.pk)
        return None
    if len(postings) == 2 and postings[0][0] != postings[1][0]:
        balances = sorted((a, amount, 1) for a, amount in postings)
    else:
        sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for account_id, amount in postings:
            s = sums[account_id]
            s[0] += amount
            s[1] += 1
        balances = sorted((a, amount, n) for a, (amount, n) in sums.items())
    if any(abs(amount) > MAX_BALANCE_PENCE for _, amount, _ in balances):
        return None
    at = timezone.now()
    audit = entry_fields(
        actor,
        "pool.post",
        _TX_TYPE,
        "",
        summary=f"Posted {entry.kind} {entry.key} in {pool}: {entry.reason}",
    )
    actor_id = audit["actor"].pk if audit["actor"] is not None else None
    digest = entry.digest
    kind = str(entry.kind)
    source = source[:80]
    # what `record` would store as `after` (jsonable of the same dict: the key, [account, amount] pairs, month)
    after = json.dumps({"key": entry.key, "postings": [[a, x] for a, x in postings], "period": label})
    try:
        if conn.vendor == "postgresql":
            row = {
                "pool": pool.pk,
                "period": period_id,
                "version": state.version,
                "key": entry.key,
                "digest": digest,
                "kind": kind,
                "value_date": entry.value_date,
                "source": source,
                "reason": entry.reason,
                "reference": entry.reference,
                "actor": actor_id,
                "at": at,
                "reverses": entry.reverses_id,
                "actor_name": audit["actor_name"],
                "action": audit["action"],
                "object_type": audit["object_type"],
                "summary": audit["summary"],
                "after": after,
            }
            tx_id, gate = _post_one_postgresql(conn, row, postings, balances)
        else:
            ops = conn.ops
            tx_row = (
                pool.pk, period_id, entry.key, digest, kind, ops.adapt_datefield_value(entry.value_date), source,
                entry.reason, entry.reference, actor_id, ops.adapt_datetimefield_value(at), entry.reverses_id,
                period_id, pool.pk, state.version,
            )
            audit_row = (audit["actor_name"], audit["action"], audit["object_type"], audit["summary"], after)
            tx_id, gate = _post_one_sqlite(conn, tx_row, audit_row, postings, balances, standalone)
    except IntegrityError as exc:
        if "monthly_balance_within_bounds" in str(exc):
            raise FieldError(
                f"these postings would take a monthly balance beyond the largest allowed, "
                f"{format_pence(MAX_BALANCE_PENCE)}",
                field="postings",
            ) from None
        raise
    if tx_id is None:
        if not gate:  # the pool's version moved on, or the month closed meanwhile
            ledger_state.load(pool.pk)
        return None
    # the row as written, without reading it back (from_db: as the ORM builds a fetched row)
    tx = LedgerTransaction.from_db(
        conn.alias,
        _TX_FIELDS,
        (
            tx_id, pool.pk, period_id, entry.key, digest, kind, entry.value_date, source, entry.reason,
            entry.reference, actor_id, at, entry.reverses_id,
        ),
    )
    LedgerTransaction.pool.field.set_cached_value(tx, pool)
    return tx


_TX_TYPE = LedgerTransaction._meta.label_lower
# the order `_post_one` gives the values in: every concrete field, as `from_db` takes them
_TX_FIELDS = [
    "id", "pool_id", "period_id", "idempotency_key", "digest", "kind", "value_date", "source", "reason", "reference",
    "posted_by_id", "posted_at", "reverses_id",
]
if _TX_FIELDS != [f.attname for f in LedgerTransaction._meta.concrete_fields]:  # pragma: no cover
    raise ImportError("pool.services.ledger: _TX_FIELDS no longer lists LedgerTransaction's fields in order")


# One statement: the month's row is locked and must be open, and the pool still at the cached version (the
# gate); the transaction is inserted unless its key is taken (ON CONFLICT: a concurrent duplicate waits for
# the other request and then inserts nothing); its postings, the monthly balances and the audit entry follow
# from the inserted row. Arrays keep the text the same for any number of postings, so it is prepared once.
_POST_ONE_POSTGRESQL = """
WITH gate AS (
    SELECT m.id FROM pool_period m JOIN pool_pool p ON p.id = m.pool_id
     WHERE m.id = %(period)s::bigint AND p.id = %(pool)s::bigint AND p.ledger_version = %(version)s::bigint
       AND NOT m.closed
       FOR UPDATE OF m
), tx AS (
    INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source,
                                        reason, reference, posted_by_id, posted_at, reverses_id)
    SELECT %(pool)s::bigint, gate.id, %(key)s::text, %(digest)s::text, %(kind)s::text, %(value_date)s::date,
           %(source)s::text, %(reason)s::text, %(reference)s::text, %(actor)s::bigint, %(at)s::timestamptz,
           %(reverses)s::bigint
      FROM gate
    ON CONFLICT (pool_id, idempotency_key) DO NOTHING
    RETURNING id
), postings AS (
    INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence)
    SELECT tx.id, v.account_id, %(period)s::bigint, v.amount
      FROM tx, unnest(%(accounts)s::bigint[], %(amounts)s::bigint[]) AS v(account_id, amount)
), balances AS (
    UPDATE pool_monthlybalance mb SET amount_pence = mb.amount_pence + v.amount, postings = mb.postings + v.n
      FROM tx, unnest(%(mb_accounts)s::bigint[], %(mb_amounts)s::bigint[], %(mb_counts)s::bigint[])
           AS v(account_id, amount, n)
     WHERE mb.account_id = v.account_id AND mb.period_id = %(period)s::bigint
), audit AS (
    INSERT INTO audit_auditentry (at, actor_id, actor_name, action, object_type, object_id, summary, before, after)
    SELECT %(at)s::timestamptz, %(actor)s::bigint, %(actor_name)s::text, %(action)s::text, %(object_type)s::text,
           tx.id::text, %(summary)s::text, NULL, %(after)s::jsonb
      FROM tx
)
SELECT (SELECT id FROM tx), EXISTS (SELECT 1 FROM gate)
"""


def _post_one_postgresql(conn, row: dict, postings, balances) -> tuple[int | None, bool]:
    import psycopg

    # arrays as PostgreSQL's array text (the statement casts them): cheaper to adapt than Python lists
    row["accounts"] = "{" + ",".join([str(a) for a, _ in postings]) + "}"
    row["amounts"] = "{" + ",".join([str(x) for _, x in postings]) + "}"
    row["mb_accounts"] = "{" + ",".join([str(a) for a, _, _ in balances]) + "}"
    row["mb_amounts"] = "{" + ",".join([str(x) for _, x, _ in balances]) + "}"
    row["mb_counts"] = "{" + ",".join([str(n) for _, _, n in balances]) + "}"
    conn.ensure_connection()
    pg = conn.connection
    # a server-binding cursor, so the statement is prepared once per connection and only bound afterwards
    # (Django leaves preparing off on its connections: allowed for this statement only)
    threshold, pg.prepare_threshold = pg.prepare_threshold, 0
    try:
        with conn.wrap_database_errors, psycopg.Cursor(pg) as cur:
            cur.execute(_POST_ONE_POSTGRESQL, row, prepare=True)
            tx_id, gate = cur.fetchone()
    finally:
        pg.prepare_threshold = threshold
    return tx_id, gate


_POST_ONE_SQLITE = (
    "INSERT INTO pool_ledgertransaction (pool_id, period_id, idempotency_key, digest, kind, value_date, source, "
    "reason, reference, posted_by_id, posted_at, reverses_id) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM pool_period m JOIN pool_pool p ON p.id = m.pool_id WHERE m.id = ? AND p.id = ? "
    "AND p.ledger_version = ? AND NOT m.closed) "
    "ON CONFLICT (pool_id, idempotency_key) DO NOTHING RETURNING id"
)
_GATE_SQLITE = (
    "SELECT EXISTS (SELECT 1 FROM pool_period m JOIN pool_pool p ON p.id = m.pool_id WHERE m.id = ? AND p.id = ? "
    "AND p.ledger_version = ? AND NOT m.closed)"
)
_POSTINGS_SQLITE = "INSERT INTO pool_posting (transaction_id, account_id, period_id, amount_pence) VALUES (?, ?, ?, ?)"
_BALANCES_SQLITE = (
    "UPDATE pool_monthlybalance SET amount_pence = amount_pence + ?, postings = postings + ? "
    "WHERE account_id = ? AND period_id = ?"
)
_AUDIT_SQLITE = (
    "INSERT INTO audit_auditentry (at, actor_id, actor_name, action, object_type, object_id, summary, before, "
    "after) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)"
)


def _post_one_sqlite(conn, tx_row: tuple, audit_row: tuple, postings, balances, standalone: bool):
    """SQLite runs one writer at a time (IMMEDIATE transactions), so the gate and the writes cannot interleave
    with another writer; plain statements on the driver's cursor, as Django's ORM would add more than they cost.
    `standalone`: no transaction is open, so these statements get their own BEGIN IMMEDIATE and COMMIT (and a
    ROLLBACK when the gate refuses or a statement fails: nothing is left written)."""
    conn.ensure_connection()
    period = tx_row[1]
    with conn.wrap_database_errors:
        cur = conn.connection.cursor(sqlite3.Cursor)  # plain `?` parameters: no conversion of the SQL
        try:
            if standalone:
                cur.execute("BEGIN IMMEDIATE")
            try:
                cur.execute(_POST_ONE_SQLITE, tx_row)
                found = cur.fetchone()
                if found is None:
                    cur.execute(_GATE_SQLITE, tx_row[12:])
                    gate = bool(cur.fetchone()[0])
                    if standalone:
                        cur.execute("ROLLBACK")
                    return None, gate
                tx_id = found[0]
                cur.executemany(_POSTINGS_SQLITE, [(tx_id, a, period, x) for a, x in postings])
                cur.executemany(_BALANCES_SQLITE, [(x, n, a, period) for a, x, n in balances])
                actor_name, action, object_type, summary, after = audit_row
                cur.execute(
                    _AUDIT_SQLITE, (tx_row[10], tx_row[9], actor_name, action, object_type, str(tx_id), summary, after)
                )
                if standalone:
                    cur.execute("COMMIT")
            except BaseException:
                if standalone and conn.connection.in_transaction:
                    conn.connection.rollback()
                raise
        finally:
            cur.close()
    return tx_id, True


@transaction.atomic
def post_transactions_bulk(actor, pool: Pool, entries: Sequence[Entry], source: str) -> BulkResult:
    """Post many transactions at once, all or nothing. Keys already posted with the same details are skipped
    (idempotent); a key already posted with other details is a Conflict naming the entry."""
    state = ledger_state.current(pool.pk)  # the cached accounts, once the pool's version is checked
    numbers = _validate_all(pool, entries, state.accounts)
    periods = _periods_for(pool, numbers, lock=True)
    posted, already = _post_entries(
        actor, pool, [(e, periods[n]) for e, n in zip(entries, numbers, strict=True)], source
    )
    n_postings = sum(len(e.postings) for e in entries if e.key in posted)
    _record_bulk(actor, pool, source, len(posted), n_postings, len(already))
    return BulkResult(len(posted), len(already), n_postings, [posted[e.key] for e in entries if e.key in posted])


def post_checked_bulk(actor, pool: Pool, entries: Sequence[Entry], numbers: Sequence[int], source: str) -> BulkResult:
    """`post_transactions_bulk` for a caller that has already done its look-ups (decision 0122): the actuals
    import, which, in the database transaction it calls this in, has checked every entry by `_validate`'s rules
    against the pool's accounts (balanced, two postings or more, amounts within bounds, accounts of the pool,
    the date in the pool's year, key, reason and reference within their lengths), given each key once, found
    none of the keys in the ledger, and given each entry's digest (`entry.digest`) and month (`numbers[i]`, as
    `domain.period_number`).

    What it does not repeat is only those look-ups. The months are still locked here and a closed one refused,
    the pool's state still asked, the balance bound still checked, the audit entry still written, and on
    PostgreSQL every database-side check still runs. A key found in the ledger after all (taken meanwhile by
    another request, or given twice) fails on the unique key, in a savepoint: the whole call then goes through
    `post_transactions_bulk`, which looks every key up and skips, refuses or posts exactly as it would have."""
    if not connection.in_atomic_block:
        raise RuntimeError("post_checked_bulk runs inside the caller's database transaction, where it looked up")
    if not entries:
        return BulkResult(0, 0, 0, [])
    periods = _periods_for(pool, numbers, lock=True)
    closed = {n for n, period in periods.items() if period.closed}
    if closed:
        number, e = next((n, e) for e, n in zip(entries, numbers, strict=True) if n in closed)
        raise Conflict(
            f"{e.key}: period {periods[number].label} is closed: nothing can be posted into it", field="value_date"
        )
    require(pool, Action.POST)
    ids_of = {n: period.pk for n, period in periods.items()}
    try:
        with transaction.atomic():  # a savepoint: a key taken after all undoes only this write
            ids = _write(actor, pool, entries, [ids_of[n] for n in numbers], source)
    except IntegrityError as exc:
        if "monthly_balance_within_bounds" in str(exc):
            raise _beyond_bound() from None
        if not _is_key_clash(exc):
            raise
        return post_transactions_bulk(actor, pool, entries, source)
    n_postings = sum([len(e.postings) for e in entries])
    _record_bulk(actor, pool, source, len(ids), n_postings, 0)
    return BulkResult(len(ids), 0, n_postings, ids)


def _record_bulk(actor, pool: Pool, source: str, posted: int, n_postings: int, skipped: int) -> None:
    """The bulk posting's one audit entry."""
    record(
        actor,
        "pool.post_bulk",
        pool,
        after={"source": source, "transactions": posted, "postings": n_postings, "skipped": skipped},
        summary=f"Posted {plural(posted, 'transaction')} ({plural(n_postings, 'posting')}) from {source} in {pool}",
    )


def _beyond_bound() -> FieldError:
    return FieldError(
        f"these postings would take a monthly balance beyond the largest allowed, {format_pence(MAX_BALANCE_PENCE)}",
        field="postings",
    )


@transaction.atomic
def reverse_transaction(
    actor, tx: LedgerTransaction, reason: str, value_date: dt.date | None = None
) -> LedgerTransaction:
    """Post the mirror image of `tx` (a correction), keyed `reversal:<tx id>`. Into `tx`'s own date unless
    another date is given. A settlement is reversed only by reopening the pool (`reopen_pool`)."""
    if not reason:
        raise FieldError("give a reason for the reversal", field="reason")
    if tx.kind == TransactionKind.SETTLEMENT:
        raise Conflict("a settlement is reversed only by reopening the pool, with a reason (reopen_pool)")
    if tx.kind == TransactionKind.REVERSAL:
        raise Conflict("a reversal cannot itself be reversed: post a new transaction instead")
    if LedgerTransaction.objects.filter(reverses=tx).exists():
        raise Conflict(f"transaction {tx.idempotency_key} has already been reversed")
    return post_transaction(
        actor,
        tx.pool,
        key=domain.reversal_key(tx.pk),
        value_date=value_date or tx.value_date,
        postings=[(p.account_id, -p.amount_pence) for p in tx.postings.all()],
        reason=reason,
        source="reversal",
        kind=TransactionKind.REVERSAL,
        reverses=tx,
    )


# ----------------------------------------------------------------------------------------- contributions


def _receipt(contribution: Contribution, number: int, value_date: dt.date, amount: int, key: str, cash: int, credit: int) -> Entry:
    return Entry(
        key=key,
        value_date=value_date,
        postings=[(cash, amount), (credit, -amount)],
        reason=f"Contribution instalment {number} from {contribution.partner.name}",
        kind=TransactionKind.CONTRIBUTION,
        reference=f"instalment {number}",
    )


def receipt_key(contribution_id: int, number: int, attempt: int = 1) -> str:
    """`contribution:<contribution id>:<instalment>`; after a receipt was reversed, `...:<attempt>`."""
    base = f"contribution:{contribution_id}:{number}"
    return base if attempt == 1 else f"{base}:{attempt}"


def parse_receipt_key(key: str) -> tuple[int, int] | None:
    """(contribution id, instalment) of a receipt's key; None for any other key."""
    parts = key.split(":")
    if len(parts) in (3, 4) and parts[0] == "contribution" and parts[1].isdigit() and parts[2].isdigit():
        return int(parts[1]), int(parts[2])
    return None


@transaction.atomic
def receive_contribution(
    actor, contribution: Contribution, instalment: int, value_date: dt.date, amount_pence: int | None = None
) -> LedgerTransaction:
    """A partner's cash instalment arrives: debit the pool's cash, credit the partner's contribution.

    An instalment is received once: receipts are keyed by contribution and instalment number. The same receipt
    again returns the transaction already posted; a different one for an instalment already received is a
    Conflict (reverse the wrong receipt first, then record the right one). `amount_pence` defaults to the
    instalment due; a different amount is recorded as it came (the schedule shows the arrears)."""
    pool = contribution.pool
    if contribution.type != domain.ContributionType.POOLED or contribution.form != domain.ContributionForm.CASH:
        raise FieldError("only pooled cash contributions are paid into the pool", field="contribution")
    plan = {int(k): v for k, v in contribution.instalments.items()}
    if instalment not in plan:
        raise FieldError(
            f"instalment {instalment} is not in the schedule (instalments: {', '.join(map(str, sorted(plan)))})",
            field="instalment",
        )
    amount = plan[instalment] if amount_pence is None else amount_pence
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise FieldError("the amount received must be whole pence, more than zero", field="amount_pence")
    earlier = list(
        LedgerTransaction.objects.filter(pool=pool, kind=TransactionKind.CONTRIBUTION)
        .filter(idempotency_key__startswith=f"contribution:{contribution.pk}:{instalment}")
        .values_list("idempotency_key", "pk", "digest", "reversed_by")
    )
    earlier = [row for row in earlier if parse_receipt_key(row[0]) == (contribution.pk, instalment)]
    cash = account_for(pool, AccountKind.CASH).pk
    credit = account_for(pool, AccountKind.CONTRIBUTION, partner=contribution.partner).pk
    entry = _receipt(contribution, instalment, value_date, amount, receipt_key(contribution.pk, instalment, len(earlier) + 1), cash, credit)
    for _, pk, digest, reversed_by in earlier:
        if reversed_by is None:
            if digest == entry.digest:  # the same receipt again
                return LedgerTransaction.objects.get(pk=pk)
            raise Conflict(
                f"instalment {instalment} of {contribution.partner.name}'s contribution has already been received "
                f"(transaction {pk}): reverse that receipt first to record another",
                field="instalment",
            )
    return post_transaction(
        actor,
        pool,
        key=entry.key,
        value_date=value_date,
        postings=entry.postings,
        reason=entry.reason,
        source="contribution",
        kind=TransactionKind.CONTRIBUTION,
        reference=entry.reference,
    )


def contribution_entries(pool: Pool, through: int = 12) -> list[Entry]:
    """Receipts of every scheduled instalment of every pooled cash contribution in periods 1..through, each on
    its due date and for the amount due (for loads and the demo; the same keys as `receive_contribution`)."""
    cash = account_for(pool, AccountKind.CASH).pk
    entries = []
    for c in pool.contributions.select_related("partner"):
        if c.type != domain.ContributionType.POOLED or c.form != domain.ContributionForm.CASH:
            continue
        credit = account_for(pool, AccountKind.CONTRIBUTION, partner=c.partner).pk
        for number, amount in sorted((int(k), v) for k, v in c.instalments.items()):
            if number <= through and amount:
                due = domain.instalment_due_date(pool.financial_year, number)
                entries.append(_receipt(c, number, due, amount, receipt_key(c.pk, number), cash, credit))
    return entries
