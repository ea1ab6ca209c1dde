# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: this is not a public API. It may change in any
# release, without a deprecation period. Do not import it from outside this collection.
#
# Pure functions behind the lock_check role: which tables pending migrations touch (from the SQL
# that `manage.py sqlmigrate` prints), which sessions of a snapshot (roles/lock_check/files/
# inspect.sql) would make a migration queue behind a lock, which of them may be terminated, and a
# readable report for the operator. Nothing here runs a process or talks to a database.

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Optional

from ansible_collections.accreditrack.ops.plugins.module_utils._pg_application import (
    is_pg_dump_application,
)

# Why a session or a prepared transaction is in the way (the `reasons` of an offender).
LONG_TRANSACTION = "long_transaction"
IDLE_IN_TRANSACTION = "idle_in_transaction"
TABLE_LOCK = "table_lock"
PREPARED_TRANSACTION = "prepared_transaction"
PG_DUMP = "pg_dump"
WRAPAROUND_AUTOVACUUM = "wraparound_autovacuum"
REASONS = frozenset(
    (
        LONG_TRANSACTION,
        IDLE_IN_TRANSACTION,
        TABLE_LOCK,
        PREPARED_TRANSACTION,
        PG_DUMP,
        WRAPAROUND_AUTOVACUUM,
    )
)

TERMINATE_SCOPES = frozenset(("idle_in_transaction", "all_blockers"))
IDLE_IN_TRANSACTION_STATES = frozenset(("idle in transaction", "idle in transaction (aborted)"))

# pg_stat_activity.query of an autovacuum worker, PostgreSQL 12 to 17 (autovac_report_activity):
# "autovacuum: VACUUM[ ANALYZE] <schema>.<table>[ (to prevent wraparound)]", names unquoted.
_WRAPAROUND = re.compile(
    r"^autovacuum: VACUUM(?: ANALYZE)? .+ \(to prevent wraparound\)\Z", re.DOTALL
)
_PG_DUMP_COPY = re.compile(r"^\s*COPY\s.+\sTO\s+stdout", re.IGNORECASE | re.DOTALL)


# --------------------------------------------------------------------------------------------
# Tables from sqlmigrate output
# --------------------------------------------------------------------------------------------

_IDENT = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_QNAME = rf"({_IDENT}(?:\s*\.\s*{_IDENT})?)"
_CREATE_TABLE = re.compile(
    rf"^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_QNAME}", re.I
)
_ALTER_TABLE = re.compile(rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_QNAME}", re.I)
_CREATE_INDEX = re.compile(
    rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    rf"(?:{_IDENT}\s+)?ON\s+(?:ONLY\s+)?{_QNAME}",
    re.I,
)
_DROP_TABLE = re.compile(
    rf"^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_QNAME}((?:\s*,\s*{_QNAME})*)", re.I
)
_DATA = re.compile(
    rf"^(?:UPDATE\s+(?:ONLY\s+)?{_QNAME}|DELETE\s+FROM\s+(?:ONLY\s+)?{_QNAME}"
    rf"|INSERT\s+INTO\s+{_QNAME}|TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?{_QNAME}"
    rf"|LOCK\s+(?:TABLE\s+)?(?:ONLY\s+)?{_QNAME})",
    re.I,
)
_REFERENCES = re.compile(rf"\bREFERENCES\s+{_QNAME}", re.I)
# Statements that take no lock on a user table.
_HARMLESS = re.compile(r"^(?:BEGIN|COMMIT|SET\s+CONSTRAINTS|SET\s+LOCAL|SET\s+|SELECT\s+1)\b", re.I)
# Comments sqlmigrate writes when an operation has no SQL (RunPython and friends).
_NO_SQL_MARKERS = ("THIS OPERATION CANNOT BE WRITTEN AS SQL", "Raw Python operation")


class MigrationTargets(NamedTuple):
    """What the SQL of some migrations touches."""

    tables: tuple[str, ...]  # existing tables whose locks conflict (sorted, unquoted)
    created: tuple[str, ...]  # tables the migrations create (a lock on them cannot exist yet)
    whole_database: bool  # some operation cannot be attributed to tables: check everything
    reasons: tuple[str, ...]  # why whole_database is set (readable)


def _unquote(name: str) -> str:
    """`"schema"."Table"` -> `schema.Table`; an unquoted identifier folds to lower case."""
    parts = re.findall(r'"([^"]+)"|([A-Za-z_][\w$]*)', name)
    return ".".join(quoted or bare.lower() for quoted, bare in parts)


def split_statements(sql: str) -> list[str]:
    """Split SQL into statements (without `;`), whitespace collapsed, `--` comments dropped.

    Semicolons inside quotes ('...', "...") and dollar quotes ($$...$$, $tag$...$tag$) do not
    split: sqlmigrate puts two statements on one line (`... DEFERRED; SET CONSTRAINTS ...`) and
    RunSQL can carry function bodies.
    """
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if char in ("'", '"'):
            end = sql.find(char, i + 1)
            while end >= 0 and sql.startswith(char * 2, end):
                end = sql.find(char, end + 2)
            end = n if end < 0 else end + 1
            current.append(sql[i:end])
            i = end
            continue
        if char == "$":
            match = re.match(r"\$[A-Za-z_]*\$", sql[i:])
            if match:
                tag = match.group(0)
                end = sql.find(tag, i + len(tag))
                end = n if end < 0 else end + len(tag)
                current.append(sql[i:end])
                i = end
                continue
        if char == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    statements.append("".join(current))
    return [text for text in (" ".join(statement.split()) for statement in statements) if text]


def migration_targets(sql_by_migration: Iterable[tuple[str, str]]) -> MigrationTargets:
    """The tables pending migrations touch, from `sqlmigrate` output, in the order they apply.

    A table created by an earlier statement of the batch is not a target (nobody can hold a lock
    on it yet) but the tables its foreign keys REFERENCE are: adding a foreign key locks them. A
    table touched before the batch creates it (dropped, then created again) stays a target.
    An operation with no SQL (RunPython) or a statement this parser does not know makes the
    whole database the target.
    """
    tables: set[str] = set()
    created: set[str] = set()
    reasons: list[str] = []

    def touch(name: str) -> None:
        name = _unquote(name)
        if name not in created:
            tables.add(name)

    for label, sql in sql_by_migration:
        if any(marker in sql for marker in _NO_SQL_MARKERS):
            reasons.append(f"{label}: an operation without SQL (RunPython) may touch any table")
        for statement in split_statements(sql):
            match = _CREATE_TABLE.match(statement)
            if match:
                # First, so that a foreign key of the new table to itself is not a target.
                created.add(_unquote(match.group(1)))
            for ref in _REFERENCES.findall(statement):
                touch(ref)
            if match:
                continue
            match = _DROP_TABLE.match(statement)
            if match:
                touch(match.group(1))
                for extra in re.findall(_QNAME, match.group(2) or ""):
                    touch(extra)
                continue
            match = _ALTER_TABLE.match(statement) or _CREATE_INDEX.match(statement)
            if match:
                touch(match.group(1))
                continue
            match = _DATA.match(statement)
            if match:
                touch(next(group for group in match.groups() if group))
                continue
            if _HARMLESS.match(statement):
                continue
            reasons.append(
                f"{label}: cannot tell which tables this locks: {truncate(statement, 60)}"
            )
    # A table touched before the batch creates it existed until then (DROP TABLE x; CREATE TABLE
    # x): its locks are real, so it stays a target.
    return MigrationTargets(
        tables=tuple(sorted(tables)),
        created=tuple(sorted(created)),
        whole_database=bool(reasons),
        reasons=tuple(reasons),
    )


# --------------------------------------------------------------------------------------------
# Snapshot classification
# --------------------------------------------------------------------------------------------


def parse_snapshot(text: str) -> dict[str, Any]:
    """The JSON document inspect.sql prints; lines before it (notices) are ignored."""
    text = text or ""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^\s*\{", text, re.MULTILINE):
        try:
            data, _end = decoder.raw_decode(text, match.end() - 1)
        except ValueError:
            continue
        if isinstance(data, dict) and "sessions" in data:
            return data
    raise ValueError(f"no lock snapshot in the output: {truncate(text, 200)!r}")


def relation_matches(relation: str, targets: Optional[Iterable[str]]) -> bool:
    """Is `relation` ("schema.table") one of `targets` (bare or schema-qualified names)?

    `targets` None means the whole database: every table matches.
    """
    if targets is None:
        return True
    schema, _dot, name = relation.rpartition(".")
    wanted = set(targets)
    return relation in wanted or (name in wanted and schema in ("public", ""))


def _age(value: Any) -> float:
    return float(value) if value is not None else 0.0


def classify(
    snapshot: Mapping[str, Any],
    tables: Optional[Sequence[str]] = None,
    *,
    max_xact_age: float = 300,
    idle_in_xact_age: float = 0,
    lock_min_age: float = 1,
    prepared_xact_age: float = 0,
) -> list[dict[str, Any]]:
    """The offenders of a snapshot: sessions and prepared transactions in the migration's way.

    `tables` are the tables the migrations will lock; None (or empty) checks the whole database.
    Each offender is a dict with `kind` (session or prepared), the session's fields, the `locks`
    that matter and the `reasons` (see REASONS), oldest transaction first.
    """
    targets = list(tables) if tables else None
    offenders: list[dict[str, Any]] = []
    for session in snapshot.get("sessions") or ():
        query = session.get("query") or ""
        state = session.get("state") or ""
        xact_age = _age(session.get("xact_age"))
        reasons = []
        wraparound = bool(_WRAPAROUND.match(query))
        autovacuum = session.get("backend_type") == "autovacuum worker"
        if wraparound:
            reasons.append(WRAPAROUND_AUTOVACUUM)
        # Plain pg_dump, or the collection's own (accreditrack-ops-pg_dump-<token>): a dump idle
        # between its statements is still a dump, never a session idle in transaction to end.
        if is_pg_dump_application(session.get("application")) or _PG_DUMP_COPY.match(query):
            reasons.append(PG_DUMP)
        if (
            state in IDLE_IN_TRANSACTION_STATES
            and _age(session.get("state_age")) >= idle_in_xact_age
        ):
            reasons.append(IDLE_IN_TRANSACTION)
        if session.get("xact_age") is not None and xact_age >= max_xact_age and not autovacuum:
            reasons.append(LONG_TRANSACTION)
        locks = [
            lock
            for lock in session.get("locks") or ()
            if relation_matches(lock.get("relation", ""), targets)
        ]
        age = max(xact_age, _age(session.get("query_age")) if state == "active" else 0.0)
        # A plain autovacuum yields to DDL by itself; a short query's lock is gone by the migration.
        if locks and not (autovacuum and not wraparound) and age >= lock_min_age:
            reasons.append(TABLE_LOCK)
        if reasons:
            offenders.append(dict(session, kind="session", locks=locks, reasons=reasons))
    for xact in snapshot.get("prepared") or ():
        if _age(xact.get("age")) >= prepared_xact_age:
            locks = [
                lock
                for lock in xact.get("locks") or ()
                if relation_matches(lock.get("relation", ""), targets)
            ]
            offenders.append(
                {
                    "kind": "prepared",
                    "pid": None,
                    "gid": xact.get("gid"),
                    "xid": xact.get("xid"),
                    "database": xact.get("database") or snapshot.get("database"),
                    "user": xact.get("user"),
                    "application": f"gid={xact.get('gid')}",
                    "state": "prepared",
                    "xact_age": _age(xact.get("age")),
                    "query": "",
                    "locks": locks,
                    "blocked_by": [],
                    "reasons": [PREPARED_TRANSACTION],
                }
            )
    offenders.sort(key=lambda item: (-_age(item.get("xact_age")), item.get("pid") or 0))
    return offenders


def _never_ends(offender: Mapping[str, Any]) -> bool:
    """A prepared transaction, a pg_dump or an anti-wraparound autovacuum: never terminated."""
    reasons = set(offender.get("reasons") or ())
    return offender.get("kind") == "prepared" or bool(reasons & {PG_DUMP, WRAPAROUND_AUTOVACUUM})


def not_terminable(offenders: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The offenders that termination never ends, whatever the scope, each with `why_not`.

    A prepared transaction has no backend; a pg_dump is a backup in progress; an anti-wraparound
    autovacuum restarts at once and protects the database. See terminate_candidates().
    """
    kept = []
    for offender in offenders:
        reasons = set(offender.get("reasons") or ())
        if offender.get("kind") == "prepared":
            why = "a prepared transaction has no session to terminate"
        elif PG_DUMP in reasons:
            why = "a pg_dump is a backup in progress"
        elif WRAPAROUND_AUTOVACUUM in reasons:
            why = "an anti-wraparound autovacuum restarts at once and protects the database"
        else:
            continue
        kept.append(
            {
                "kind": offender.get("kind"),
                "pid": offender.get("pid"),
                "gid": offender.get("gid"),
                "application": offender.get("application"),
                "reasons": list(offender.get("reasons") or ()),
                "why_not": why,
            }
        )
    return kept


def terminate_candidates(
    offenders: Iterable[Mapping[str, Any]], scope: str = "idle_in_transaction", idle_age: float = 60
) -> list[int]:
    """The pids that may be terminated under `scope` (see TERMINATE_SCOPES).

    Never a prepared transaction (it has no backend to terminate), a pg_dump (a backup in
    progress) or an anti-wraparound autovacuum (it restarts at once and protects the database).
    """
    if scope not in TERMINATE_SCOPES:
        raise ValueError(
            f"scope must be one of {', '.join(sorted(TERMINATE_SCOPES))}, got {scope!r}"
        )
    pids = []
    for offender in offenders:
        if offender.get("kind") != "session" or not offender.get("pid") or _never_ends(offender):
            continue
        idle = (
            offender.get("state") in IDLE_IN_TRANSACTION_STATES
            and _age(offender.get("state_age")) >= idle_age
        )
        if idle or scope == "all_blockers":
            pids.append(int(offender["pid"]))
    return sorted(set(pids))


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def truncate(text: str, width: int = 80) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def format_age(seconds: Any) -> str:
    """12s, 3m04s, 2h05m, 1d02h; '-' when unknown."""
    if seconds is None:
        return "-"
    total = int(float(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m{total % 60:02d}s"
    if total < 86400:
        return f"{total // 3600}h{total % 3600 // 60:02d}m"
    return f"{total // 86400}d{total % 86400 // 3600:02d}h"


def _lock_text(locks: Sequence[Mapping[str, Any]]) -> str:
    if not locks:
        return "-"
    first = locks[0]
    mode = str(first.get("mode", "")).replace("Lock", "")
    text = f"{mode} {first.get('relation', '?')}"
    if not first.get("granted", True):
        text += " (waiting)"
    if len(locks) > 1:
        text += f" +{len(locks) - 1}"
    return text


def format_table(offenders: Sequence[Mapping[str, Any]], query_width: int = 80) -> str:
    """A plain-text table of the offenders, one line each, columns aligned."""
    header = ("PID", "USER", "APPLICATION", "STATE", "XACT AGE", "LOCK", "WHY", "QUERY")
    rows = [header]
    for offender in offenders:
        rows.append(
            (
                str(offender.get("pid") or "-"),
                truncate(offender.get("user") or "-", 20),
                truncate(offender.get("application") or "-", 24),
                truncate(offender.get("state") or "-", 30),
                format_age(offender.get("xact_age")),
                truncate(_lock_text(offender.get("locks") or ()), 60),
                ",".join(offender.get("reasons") or ()),
                truncate(offender.get("query") or "", query_width),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    )


def remedies(offenders: Sequence[Mapping[str, Any]], terminate_enabled: bool = False) -> list[str]:
    """What the operator can do about these offenders (the runbook's remedies), one line each."""
    reasons = {reason for offender in offenders for reason in offender.get("reasons") or ()}
    # Only sessions the role itself may end: never suggest ending a backup or an anti-wraparound
    # autovacuum by hand either.
    pids = [
        str(o["pid"])
        for o in offenders
        if o.get("kind") == "session" and o.get("pid") and not _never_ends(o)
    ]
    advice = []
    if reasons & {IDLE_IN_TRANSACTION, LONG_TRANSACTION, TABLE_LOCK}:
        advice.append(
            "Find the application or worker that opened the transaction (APPLICATION, USER, client "
            "address in pg_stat_activity) and let it commit or roll back, or wait and run again."
        )
        if pids:
            advice.append(
                "End a session by hand after checking it is safe: "
                f"SELECT pg_terminate_backend(pid) FROM unnest('{{{','.join(pids)}}}'::int[]) pid;"
            )
        if not terminate_enabled:
            advice.append(
                "Or let the role do it: lock_check_terminate=true ends sessions idle in "
                "transaction for longer than lock_check_terminate_idle_age; "
                "lock_check_terminate_scope=all_blockers widens that to every blocking session."
            )
    if PREPARED_TRANSACTION in reasons:
        advice.append(
            "An orphaned prepared transaction holds its locks until it is committed or rolled "
            "back (a restart does not end it) and has no session to terminate. Ask its owner "
            "(USER) or the transaction manager that prepared it which outcome it needs, then:"
        )
        for xact in offenders:
            if xact.get("kind") != "prepared":
                continue
            gid = _sql_literal(xact.get("gid"))
            advice.append(
                f"In database {xact.get('database') or '?'}, as {xact.get('user') or '?'} or a "
                f"superuser: ROLLBACK PREPARED {gid};  (or COMMIT PREPARED {gid};)"
            )
    if PG_DUMP in reasons:
        dumps = [str(o.get("pid")) for o in offenders if PG_DUMP in (o.get("reasons") or ())]
        advice.append(
            f"A pg_dump is running (pid {', '.join(dumps)}): it holds ACCESS SHARE on every table "
            "it dumps until it ends. Wait until the backup has finished, then run again."
        )
    if WRAPAROUND_AUTOVACUUM in reasons:
        advice.append(
            "An anti-wraparound autovacuum is running: DDL cannot interrupt it. Wait until it has "
            "finished (pg_stat_progress_vacuum shows its progress)."
        )
    untouched = not_terminable(offenders)
    if terminate_enabled and untouched:
        names = [
            f"gid {item['gid']}" if item["kind"] == "prepared" else f"pid {item['pid']}"
            for item in untouched
        ]
        advice.append(
            f"lock_check_terminate=true does not end {', '.join(names)}: "
            + "; ".join(sorted({item["why_not"] for item in untouched}))
            + "."
        )
    if any(o.get("kind") == "session" for o in offenders):
        # A prepared transaction never goes away by itself: waiting longer does not help.
        advice.append(
            "A larger lock_check_timeout waits longer for the sessions to go away by themselves."
        )
    return advice


def _sql_literal(value: Any) -> str:
    """A SQL string literal ('it''s')."""
    return "'" + str(value).replace("'", "''") + "'"


def report(
    offenders: Sequence[Mapping[str, Any]],
    *,
    database: str = "",
    waited: float = 0,
    tables: Optional[Sequence[str]] = None,
    terminate_enabled: bool = False,
) -> str:
    """The failure message: what is in the way, in a table, and what to do about it."""
    where = f"tables {', '.join(tables)}" if tables else "the whole database"
    lines = [
        f"{len(offenders)} session(s) or prepared transaction(s) in database {database or '?'} "
        f"would make the migration wait for a lock on {where}; still there after "
        f"{format_age(waited)}:",
        "",
        format_table(offenders),
        "",
        "What to do:",
    ]
    lines += [f"  - {line}" for line in remedies(offenders, terminate_enabled)]
    return "\n".join(lines)
