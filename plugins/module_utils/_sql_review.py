# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# Rule 2 of the migration safety review (issue 13), "locks or rewrites a big table": the plan's
# SQL (django_migrate's `lock_targets_sql`, what sqlmigrate prints for each forward step) parsed
# with PostgreSQL's own grammar (pglast, libpg_query), each statement judged by what PostgreSQL
# does with it, and sized by the table's rows and bytes from the catalog (pg_table_sizes).
#
# Rules (stable ids, all `warning`: they never refuse with policy `fail`. Whether a second of
# ACCESS EXCLUSIVE is acceptable depends on the traffic and on the lock gate's lock_timeout, which
# this review does not know; what it knows is that the statement holds the lock for as long as the
# scan, rewrite or index build of that table takes - the operator decides, the allow list records
# it):
#   locks-big-table/create-index         CREATE [UNIQUE] INDEX without CONCURRENTLY (SHARE: writes
#                                        wait), ADD CONSTRAINT UNIQUE / PRIMARY KEY / EXCLUDE
#                                        without USING INDEX and ADD COLUMN .. UNIQUE / PRIMARY KEY
#                                        (the index is built under ACCESS EXCLUSIVE)
#   locks-big-table/validate-constraint  ADD CONSTRAINT FOREIGN KEY or CHECK without NOT VALID, ADD
#                                        COLUMN .. CHECK, ADD COLUMN .. REFERENCES with a DEFAULT:
#                                        the table is scanned (PostgreSQL skips the scan of a
#                                        foreign key on a new column without a default - Django's
#                                        AddField of a ForeignKey)
#   locks-big-table/set-not-null         SET NOT NULL: a scan under ACCESS EXCLUSIVE, unless a valid
#                                        CHECK (col IS NOT NULL) exists (PostgreSQL 12+) - one the
#                                        same plan added without NOT VALID or validated earlier
#   locks-big-table/rewrite-type         ALTER COLUMN TYPE that rewrites the table and rebuilds its
#                                        indexes (not: varchar(n) to varchar(m >= n), varchar or
#                                        text; text to varchar; numeric(p, s) to numeric(p2 >= p, s)
#                                        or numeric - with no USING, or USING the column cast to the
#                                        new type, as Django writes it). An unknown old type, a
#                                        timestamp <-> timestamptz change (no rewrite only when the
#                                        session TimeZone is UTC) or a type this table does not know
#                                        is reported as "may rewrite"
#   locks-big-table/volatile-default     ADD COLUMN with a volatile DEFAULT (random(),
#                                        clock_timestamp(), gen_random_uuid(), nextval(), serial
#                                        types), an identity or a stored generated column: the table
#                                        is rewritten. Since PostgreSQL 11 a constant or STABLE
#                                        default (now(), CURRENT_TIMESTAMP) is not - Django 4.2's
#                                        AddField NOT NULL (constant DEFAULT, then DROP DEFAULT) is
#                                        not a finding
#   review-incomplete/sql-not-parsed     a statement pglast cannot parse, or pglast is not installed
#
# Each statement was checked on PostgreSQL 17 (pg_stat_get_xact_numscans for a scan, a new
# relfilenode for a rewrite). A table the plan's SQL created earlier (CREATE TABLE, in plan order,
# renames followed) is never a finding, nor one `existing_tables` does not list when it is given.
# A table is big when its rows OR its bytes (pg_total_relation_size: heap, indexes, TOAST) reach the
# threshold; a table whose size is not in `table_sizes` is reported as a finding with size null:
# unknown is not small.

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

WARNING = "warning"

CREATE_INDEX = "locks-big-table/create-index"
VALIDATE_CONSTRAINT = "locks-big-table/validate-constraint"
SET_NOT_NULL = "locks-big-table/set-not-null"
REWRITE_TYPE = "locks-big-table/rewrite-type"
VOLATILE_DEFAULT = "locks-big-table/volatile-default"
NOT_PARSED = "review-incomplete/sql-not-parsed"

# rule: (severity, the one-line expand/contract hint of the runbook)
SQL_RULES: dict[str, tuple[str, str]] = {
    CREATE_INDEX: (
        WARNING,
        "build it with AddIndexConcurrently (django.contrib.postgres.operations) in a migration "
        "with atomic = False; for a unique constraint, create the unique index concurrently first "
        "and add the constraint USING INDEX",
    ),
    VALIDATE_CONSTRAINT: (
        WARNING,
        "add it NOT VALID (AddConstraintNotValid for a CHECK; RunSQL ... NOT VALID in "
        "SeparateDatabaseAndState for a foreign key) and VALIDATE CONSTRAINT in a later migration "
        "(ValidateConstraint), which locks neither reads nor writes",
    ),
    SET_NOT_NULL: (
        WARNING,
        "add CHECK (col IS NOT NULL) NOT VALID (AddConstraintNotValid), validate it in a later "
        "migration (ValidateConstraint), then SET NOT NULL (no scan on PostgreSQL 12+) and drop "
        "the check",
    ),
    REWRITE_TYPE: (
        WARNING,
        "add a column of the new type, backfill it in batches, move the code to it, and drop the "
        "old column in a later release",
    ),
    VOLATILE_DEFAULT: (
        WARNING,
        "add the column nullable or with a constant default, backfill it in batches, then set the "
        "volatile default for new rows (ALTER COLUMN SET DEFAULT does not rewrite)",
    ),
    NOT_PARSED: (
        WARNING,
        "review this migration's SQL by hand for locks and rewrites of big tables",
    ),
}

# rows: an index build, scan or rewrite of 100,000 rows takes a fraction of a second on ordinary
# hardware; a million take seconds, during which every query of the table queues behind the lock.
# bytes: 100 MiB of heap, indexes and TOAST read or rewritten is seconds of I/O and WAL, however few
# (wide) rows hold it.
DEFAULT_THRESHOLDS: dict[str, int] = {"rows": 100_000, "bytes": 100 * 1024 * 1024}

INSTALL_HINT = (
    "install pglast on the controller (pip install pglast, in the Python that runs Ansible) and "
    "run the review again; until then review the plan's SQL by hand"
)

STATEMENT_CHARS = 300

# Functions a column DEFAULT may call that PostgreSQL marks volatile (evaluated per row: adding
# the column rewrites the table), and ones marked immutable or stable (evaluated once: no rewrite
# since PostgreSQL 11). Other functions are reported as "may rewrite".
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "random_normal",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "gen_random_bytes",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "setval",
    }
)
NON_VOLATILE_FUNCTIONS = frozenset(
    {
        "now",
        "statement_timestamp",
        "transaction_timestamp",
        "current_date",
        "current_setting",
        "timezone",
        "date_trunc",
        "make_interval",
        "make_date",
        "to_jsonb",
        "to_json",
        "jsonb_build_object",
        "json_build_object",
        "jsonb_build_array",
        "json_build_array",
        "lower",
        "upper",
        "btrim",
        "concat",
        "md5",
        "uuid_nil",
    }
)
SERIAL_TYPES = frozenset({"smallserial", "serial", "bigserial", "serial2", "serial4", "serial8"})

# Type names as the grammar leaves them unqualified -> the catalog's name.
_TYPE_ALIASES = {
    "int": "int4",
    "integer": "int4",
    "smallint": "int2",
    "bigint": "int8",
    "boolean": "bool",
    "real": "float4",
    "float": "float8",
    "decimal": "numeric",
    "char": "bpchar",
    "character": "bpchar",
}
# Types whose ALTER COLUMN TYPE rules are known here: between two of them, a change that is not
# listed as binary-coercible (_no_rewrite) rewrites the table.
_KNOWN_TYPES = frozenset(
    {
        "int2",
        "int4",
        "int8",
        "float4",
        "float8",
        "numeric",
        "varchar",
        "text",
        "bpchar",
        "bool",
        "date",
        "time",
        "uuid",
        "json",
        "jsonb",
        "bytea",
        "interval",
    }
)
_TIMESTAMPS = frozenset({"timestamp", "timestamptz"})


class _Type:
    """A column type as the grammar gives it: catalog name, typmods, array dimensions."""

    __slots__ = ("array", "name", "text", "typmods")

    def __init__(self, name: str, typmods: tuple, array: int, text: str) -> None:
        self.name, self.typmods, self.array, self.text = name, typmods, array, text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Type) and (self.name, self.typmods, self.array) == (
            other.name,
            other.typmods,
            other.array,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.typmods, self.array))


def thresholds_of(thresholds: Mapping[str, Any] | None) -> dict[str, int]:
    """DEFAULT_THRESHOLDS updated with THRESHOLDS ({rows, bytes}, integers >= 0); ValueError for
    another key or value."""
    out = dict(DEFAULT_THRESHOLDS)
    for key, value in (thresholds or {}).items():
        if key not in out:
            raise ValueError(f"thresholds takes rows and bytes, not {key!r}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            try:
                value = int(str(value))
            except ValueError:
                value = -1
            if value < 0:
                raise ValueError(f"thresholds.{key} must be an integer >= 0, not {value!r}")
        out[key] = value
    return out


def _pglast():
    """The pglast package, or None when it is not installed."""
    try:
        import pglast
        import pglast.parser
        import pglast.visitors
    except ImportError:
        return None
    return pglast


def _unquote_name(name: str) -> list[str]:
    """['schema', 'table'] or ['table'] from a name as Django or the catalog prints it."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(name):
        char = name[i]
        if char == '"':
            if quoted and name[i + 1 : i + 2] == '"':
                current += '"'
                i += 1
            else:
                quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
        i += 1
    parts.append(current)
    return parts


def table_key(name: str) -> str:
    """The name a table is known by here: `schema.table` or `table` (unquoted)."""
    return ".".join(_unquote_name(str(name)))


def _relation(range_var) -> str:
    if range_var.schemaname:
        return f"{range_var.schemaname}.{range_var.relname}"
    return range_var.relname


def _unqualified(table: str) -> str:
    """TABLE without a leading `public.` (str.removeprefix is Python 3.9+)."""
    return table[len("public.") :] if table.startswith("public.") else table


def _size_of(table: str, sizes: Mapping[str, Mapping[str, int]]) -> Mapping[str, int] | None:
    for key in (table, _unqualified(table), f"public.{table}"):
        if key in sizes:
            return sizes[key]
    return None


def _human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # not reached


def _describe_size(size: Mapping[str, int] | None) -> str:
    if size is None:
        return "size unknown - not in table_sizes, so taken as big"
    return f"{int(size.get('rows', 0)):,} rows, {_human_bytes(int(size.get('bytes', 0)))}"


def _short(statement: str) -> str:
    """STATEMENT without the comment lines before it, on one line, at most STATEMENT_CHARS."""
    lines = statement.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    text = " ".join(" ".join(lines).split())
    return text if len(text) <= STATEMENT_CHARS else text[: STATEMENT_CHARS - 3] + "..."


def _type_of(type_name) -> _Type | None:
    """The _Type of a pglast TypeName (None without one)."""
    if type_name is None:
        return None
    names = [n.sval for n in type_name.names or ()]
    name = names[-1] if names else ""
    if len(names) == 1:
        name = _TYPE_ALIASES.get(name, name)
    typmods = []
    for mod in type_name.typmods or ():
        value = getattr(getattr(mod, "val", None), "ival", None)
        typmods.append(value if value is not None else repr(mod))
    text = name + (f"({', '.join(str(m) for m in typmods)})" if typmods else "")
    array = len(type_name.arrayBounds or ())
    return _Type(name, tuple(typmods), array, text + "[]" * array)


def _parse_type(text: str, parse) -> _Type | None:
    """The _Type of a type as Django's db_type() writes it ("varchar(100)", "numeric(8, 2)")."""
    try:
        statement = parse(f"CREATE TABLE t (c {text})")[0].stmt
        return _type_of(statement.tableElts[0].typeName)
    except Exception:
        return None


def _no_rewrite(old: _Type, new: _Type) -> bool | None:
    """Whether ALTER COLUMN TYPE OLD -> NEW (no USING, or the column cast) keeps the table:
    True (binary-coercible, no length check), False (rewrites), None (not known here)."""
    if old == new:
        return True
    if old.array or new.array:
        return None
    texts = ("varchar", "text")
    if old.name in texts and new.name in texts:
        if new.name == "text" or not new.typmods:
            return True  # to text or unlimited varchar: no length check
        if old.name == "varchar" and old.typmods:
            return new.typmods[0] >= old.typmods[0]
        return False  # text or varchar to varchar(n): every value is checked (rewrite)
    if old.name == new.name == "numeric":
        if not new.typmods:
            return True
        if not old.typmods or len(new.typmods) != 2 or len(old.typmods) != 2:
            return old.typmods == new.typmods
        return new.typmods[1] == old.typmods[1] and new.typmods[0] >= old.typmods[0]
    if old.name in _TIMESTAMPS and new.name in _TIMESTAMPS:
        return None
    if old.name in _KNOWN_TYPES and new.name in _KNOWN_TYPES:
        return False
    return None


def _plain_using(using, column: str, new: _Type) -> bool:
    """Whether USING is the column itself, or the column cast to the new type (Django's form)."""
    node = using
    while type(node).__name__ == "TypeCast":
        if _type_of(node.typeName) != new:
            return False
        node = node.arg
    if type(node).__name__ != "ColumnRef":
        return False
    fields = [getattr(f, "sval", None) for f in node.fields or ()]
    return fields[-1:] == [column] and len(fields) == 1


def old_types_from_plan(plan_records: Iterable[Mapping[str, Any]]) -> dict[tuple, str]:
    """{(migration, table, column): the column's type before the operation} from the plan's
    schema changes (django_migrate with schema_changes: true), keyed by the column's name after a
    rename in the same operation (the name ALTER COLUMN TYPE uses)."""
    types = {}
    for record in plan_records or ():
        for change in record.get("schema_changes") or ():
            if change.get("old_db_type") is None or not change.get("db_table"):
                continue
            column = change.get("new_column") or (list(change.get("columns") or ()) or [None])[0]
            if column:
                types[(record["migration"], table_key(change["db_table"]), column)] = change[
                    "old_db_type"
                ]
    return types


class _Functions:
    """The function calls and value functions of an expression (a pglast visitor)."""

    def __init__(self) -> None:
        from pglast.visitors import Visitor

        names: list[str] = []

        class Calls(Visitor):
            def visit_FuncCall(self, _ancestors, node):
                names.append(node.funcname[-1].sval.lower())

        self.names = names
        self.visitor = Calls()

    def __call__(self, node) -> list[str]:
        self.names.clear()
        self.visitor(node)
        return list(self.names)


class _Plan:
    """What the plan's SQL did so far: tables it created, column types, NOT NULL checks."""

    def __init__(self, existing: set[str] | None) -> None:
        self.created: set[str] = set()
        self.existing = existing
        self.types: dict[tuple[str, str], _Type] = {}
        # (table, constraint name) -> [column the check proves NOT NULL, valid]
        self.checks: dict[tuple[str, str], list] = {}

    def is_new(self, table: str) -> bool:
        return table in self.created


def _not_null_column(expression) -> str | None:
    """The column of a CHECK (col IS NOT NULL) expression, else None."""
    if type(expression).__name__ != "NullTest" or expression.nulltesttype.name != "IS_NOT_NULL":
        return None
    fields = [getattr(f, "sval", None) for f in getattr(expression.arg, "fields", None) or ()]
    return fields[0] if len(fields) == 1 else None


class _Reviewer:
    """Reviews one plan's statements in order."""

    def __init__(self, pglast, sizes, limits, existing, old_types) -> None:
        self.pglast = pglast
        self.sizes = sizes
        self.limits = limits
        self.plan = _Plan(existing)
        self.old_types = old_types
        self.functions = _Functions()
        self.findings: list[dict[str, Any]] = []

    # --- sizes -----------------------------------------------------------------------------
    def _size(self, table: str) -> tuple[bool, Mapping[str, int] | None]:
        """(whether TABLE counts, its size): a table the plan created, one existing_tables does
        not list, or one below both thresholds does not count."""
        if self.plan.is_new(table):
            return False, None
        size = _size_of(table, self.sizes)
        if size is None:
            existing = self.plan.existing
            if existing is not None and not {table, _unqualified(table)} & existing:
                return False, None
            return True, None
        rows, count = int(size.get("rows") or 0), int(size.get("bytes") or 0)
        big = rows >= self.limits["rows"] or count >= self.limits["bytes"]
        return big, {"rows": rows, "bytes": count}

    def _find(self, rule, migration, operation, statement, table, column, what) -> None:
        counts, size = self._size(table)
        if not counts:
            return
        severity, hint = SQL_RULES[rule]
        self.findings.append(
            {
                "rule": rule,
                "severity": severity,
                "migration": migration,
                "operation": operation,
                "kind": rule.rpartition("/")[2].replace("-", "_"),
                "table": table,
                "column": column,
                "model": None,
                "field": None,
                "reason": f"{what} ({table}: {_describe_size(size)})",
                "hint": hint,
                "size": size,
                "statement": _short(statement),
            }
        )

    # --- statements ------------------------------------------------------------------------
    def statement(self, migration, operation, node, text) -> None:
        kind = type(node).__name__
        if kind == "CreateStmt":
            table = _relation(node.relation)
            self.plan.created.add(table)
            for element in node.tableElts or ():
                if type(element).__name__ == "ColumnDef":
                    self.plan.types[(table, element.colname)] = _type_of(element.typeName)
        elif kind == "CreateTableAsStmt" and node.into is not None:
            self.plan.created.add(_relation(node.into.rel))
        elif kind == "IndexStmt":
            self._index(migration, operation, node, text)
        elif kind == "RenameStmt":
            self._rename(node)
        elif kind == "AlterTableStmt" and node.relation is not None:
            table = _relation(node.relation)
            for command in node.cmds or ():
                self._command(migration, operation, table, command, text)

    def _index(self, migration, operation, node, text) -> None:
        if node.concurrent:
            return
        table = _relation(node.relation)
        unique = "unique index" if node.unique else "index"
        columns = [p.name for p in node.indexParams or () if getattr(p, "name", None)]
        column = columns[0] if len(columns) == 1 else None
        what = (
            f"creates {unique} {node.idxname or '(unnamed)'} on {table} without CONCURRENTLY: "
            "writes to the table wait (SHARE lock) until the index is built"
        )
        self._find(CREATE_INDEX, migration, operation, text, table, column, what)

    def _rename(self, node) -> None:
        if node.relation is None:
            return
        table = _relation(node.relation)
        if node.renameType.name == "OBJECT_TABLE":
            new = (
                f"{node.relation.schemaname}.{node.newname}"
                if node.relation.schemaname
                else (node.newname)
            )
            if table in self.plan.created:
                self.plan.created.add(new)
            for (tbl, column), value in list(self.plan.types.items()):
                if tbl == table:
                    self.plan.types[(new, column)] = value
        elif node.renameType.name == "OBJECT_COLUMN":
            known = self.plan.types.pop((table, node.subname), None)
            if known is not None:
                self.plan.types[(table, node.newname)] = known

    def _command(self, migration, operation, table, command, text) -> None:
        subtype = command.subtype.name
        if subtype == "AT_AddConstraint":
            self._constraint(migration, operation, table, command.def_, text)
        elif subtype == "AT_ValidateConstraint":
            check = self.plan.checks.get((table, command.name))
            if check is not None:
                check[1] = True
        elif subtype == "AT_DropConstraint":
            self.plan.checks.pop((table, command.name), None)
        elif subtype == "AT_SetNotNull":
            self._set_not_null(migration, operation, table, command.name, text)
        elif subtype == "AT_AlterColumnType":
            self._alter_type(migration, operation, table, command, text)
        elif subtype == "AT_AddColumn":
            self._add_column(migration, operation, table, command.def_, text)

    def _constraint(self, migration, operation, table, constraint, text) -> None:
        contype = constraint.contype.name
        name = constraint.conname or "(unnamed)"
        if contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY", "CONSTR_EXCLUSION"):
            if constraint.indexname:
                return  # USING INDEX: the index exists already
            label = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY"}.get(
                contype, "EXCLUDE"
            )
            what = (
                f"adds {label} constraint {name} to {table}: its index is built under ACCESS "
                "EXCLUSIVE - reads and writes of the table wait until it is built"
            )
            self._find(CREATE_INDEX, migration, operation, text, table, None, what)
        elif contype == "CONSTR_FOREIGN":
            if constraint.skip_validation:
                return
            target = _relation(constraint.pktable) if constraint.pktable is not None else "?"
            what = (
                f"adds foreign key {name} to {table} without NOT VALID: {table} is scanned to "
                f"validate it while writes to {table} and {target} wait (SHARE ROW EXCLUSIVE)"
            )
            self._find(VALIDATE_CONSTRAINT, migration, operation, text, table, None, what)
        elif contype == "CONSTR_CHECK":
            column = _not_null_column(constraint.raw_expr)
            if constraint.conname and column:
                self.plan.checks[(table, constraint.conname)] = [
                    column,
                    not constraint.skip_validation,
                ]
            if constraint.skip_validation:
                return
            what = (
                f"adds CHECK constraint {name} to {table} without NOT VALID: the table is scanned "
                "to validate it under ACCESS EXCLUSIVE - reads and writes wait"
            )
            self._find(VALIDATE_CONSTRAINT, migration, operation, text, table, None, what)

    def _set_not_null(self, migration, operation, table, column, text) -> None:
        for (tbl, _name), (checked, valid) in self.plan.checks.items():
            if tbl == table and checked == column and valid:
                return  # PostgreSQL 12+ uses the valid CHECK (col IS NOT NULL): no scan
        what = (
            f"sets {table}.{column} NOT NULL: the table is scanned under ACCESS EXCLUSIVE - reads "
            "and writes wait (no valid CHECK ({column} IS NOT NULL) precedes it)"
        ).replace("{column}", column)
        self._find(SET_NOT_NULL, migration, operation, text, table, column, what)

    def _alter_type(self, migration, operation, table, command, text) -> None:
        column, definition = command.name, command.def_
        new = _type_of(definition.typeName)
        old_text = self.old_types.get((migration, table, column))
        old = _parse_type(old_text, self.pglast.parse_sql) if old_text else None
        if old is None:
            old = self.plan.types.get((table, column))
        self.plan.types[(table, column)] = new
        using = definition.raw_default
        if using is not None and not _plain_using(using, column, new):
            verdict, why = False, "its USING expression computes every value anew"
        elif old is None:
            verdict, why = None, "the column's type before it is not known here"
        else:
            verdict = _no_rewrite(old, new)
            if verdict is None and old.name in _TIMESTAMPS and new.name in _TIMESTAMPS:
                why = "timestamp <-> timestamptz is rewritten unless the session TimeZone is UTC"
            elif verdict is None:
                why = f"whether {old.text} to {new.text} is binary-coercible is not known here"
            else:
                why = f"{old.text} to {new.text} is not a binary-coercible widening"
        if verdict is True:
            return
        verb = "rewrites" if verdict is False else "may rewrite"
        what = (
            f"changes {table}.{column} to {new.text}: {verb} the table and rebuilds its indexes "
            f"under ACCESS EXCLUSIVE - reads and writes wait ({why})"
        )
        self._find(REWRITE_TYPE, migration, operation, text, table, column, what)

    def _add_column(self, migration, operation, table, definition, text) -> None:
        column = definition.colname
        self.plan.types[(table, column)] = _type_of(definition.typeName)
        if self.plan.is_new(table):
            return
        constraints = list(definition.constraints or ())
        default = next((c for c in constraints if c.contype.name == "CONSTR_DEFAULT"), None)
        rewrite = self._column_rewrite(definition, constraints, default)
        if rewrite:
            what = (
                f"adds {table}.{column} with {rewrite}: the table is rewritten under ACCESS "
                "EXCLUSIVE - reads and writes wait"
            )
            self._find(VOLATILE_DEFAULT, migration, operation, text, table, column, what)
        for constraint in constraints:
            contype = constraint.contype.name
            if contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
                label = "UNIQUE" if contype == "CONSTR_UNIQUE" else "PRIMARY KEY"
                what = (
                    f"adds {table}.{column} {label}: its index is built under ACCESS EXCLUSIVE - "
                    "reads and writes of the table wait until it is built"
                )
                self._find(CREATE_INDEX, migration, operation, text, table, column, what)
            elif contype == "CONSTR_CHECK" and not constraint.skip_validation:
                what = (
                    f"adds {table}.{column} with a CHECK constraint: the table is scanned to "
                    "validate it under ACCESS EXCLUSIVE - reads and writes wait"
                )
                self._find(VALIDATE_CONSTRAINT, migration, operation, text, table, column, what)
            elif contype == "CONSTR_FOREIGN" and default is not None:
                # Without a default the new column is all NULL: PostgreSQL skips the scan.
                what = (
                    f"adds {table}.{column} with a DEFAULT and a foreign key: the table is "
                    "scanned to validate it while writes wait (SHARE ROW EXCLUSIVE)"
                )
                self._find(VALIDATE_CONSTRAINT, migration, operation, text, table, column, what)

    def _column_rewrite(self, definition, constraints, default) -> str | None:
        """Why adding the column rewrites the table (None when it does not)."""
        type_name = definition.typeName
        names = [n.sval for n in (type_name.names if type_name is not None else ()) or ()]
        if names and names[-1] in SERIAL_TYPES:
            return f"type {names[-1]} (a volatile nextval() default)"
        for constraint in constraints:
            if constraint.contype.name == "CONSTR_IDENTITY":
                return "an identity (every row gets a value)"
            if constraint.contype.name == "CONSTR_GENERATED" and constraint.generated_kind != "v":
                return "a stored generated expression (computed for every row)"
        if default is None or default.raw_expr is None:
            return None
        called = self.functions(default.raw_expr)
        volatile = sorted({f for f in called if f in VOLATILE_FUNCTIONS})
        if volatile:
            return f"the volatile default {', '.join(f + '()' for f in volatile)}"
        unknown = sorted({f for f in called if f not in NON_VOLATILE_FUNCTIONS})
        if unknown:
            names = ", ".join(f + "()" for f in unknown)
            return f"a default calling {names} - may rewrite, if it is volatile"
        return None


def _comment_operation(text: str) -> str | None:
    """The operation sqlmigrate names in the comment block that starts TEXT ("-- Add field x
    to y"), else None."""
    found = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        body = stripped[2:].strip()
        if body and body != "THIS OPERATION CANNOT BE WRITTEN AS SQL":
            found = body
    return found


def _not_parsed(migration: str, operation: str | None, statement: str, why: str) -> dict:
    severity, hint = SQL_RULES[NOT_PARSED]
    return {
        "rule": NOT_PARSED,
        "severity": severity,
        "migration": migration,
        "operation": operation,
        "kind": "sql_not_parsed",
        "table": None,
        "column": None,
        "model": None,
        "field": None,
        "reason": why,
        "hint": hint,
        "size": None,
        "statement": _short(statement),
    }


def review_sql(
    sql: Mapping[str, str] | Sequence[Sequence[str]],
    table_sizes: Mapping[str, Mapping[str, int]] | None = None,
    thresholds: Mapping[str, Any] | None = None,
    existing_tables: Iterable[str] | None = None,
    old_types: Mapping[tuple, str] | None = None,
) -> list[dict[str, Any]]:
    """The `locks-big-table/...` findings of the plan's SQL, in plan and statement order.

    sql: django_migrate's `lock_targets_sql` ({"app.migration": sqlmigrate's text}, plan order)
    or [(migration, text)]. table_sizes: pg_table_sizes' `tables` ({table: {rows, bytes}}).
    thresholds: {rows, bytes} (DEFAULT_THRESHOLDS for what is left out). existing_tables: the
    tables that exist before the plan (when given, another table not in table_sizes was created
    by the plan in a way its SQL does not show, and is not a finding). old_types: see
    old_types_from_plan() (ALTER COLUMN TYPE needs the type before it).

    Never raises for the SQL: pglast missing is ONE `review-incomplete/sql-not-parsed` finding,
    a statement it cannot parse is one for that statement. ValueError for bad thresholds.
    """
    limits = thresholds_of(thresholds)
    pairs = list(sql.items()) if isinstance(sql, Mapping) else [tuple(p) for p in sql or ()]
    if not pairs:
        return []
    pglast = _pglast()
    if pglast is None:
        why = (
            "the plan's SQL was not reviewed for locks and rewrites: pglast is missing - "
            + INSTALL_HINT
        )
        return [_not_parsed(pairs[0][0], None, "", why)]
    from pglast.parser import ParseError, split

    sizes = {table_key(k): v for k, v in (table_sizes or {}).items()}
    existing = None
    if existing_tables is not None:
        existing = {table_key(t) for t in existing_tables}
        existing |= {_unqualified(t) for t in existing}
    reviewer = _Reviewer(pglast, sizes, limits, existing, dict(old_types or {}))
    for migration, text in pairs:
        migration, text = str(migration), str(text or "")
        try:
            slices = split(text, with_parser=False, only_slices=True)
        except Exception as error:
            why = f"its SQL could not be split into statements by pglast: {error}"
            reviewer.findings.append(_not_parsed(migration, None, text, why))
            continue
        operation = None
        for part in slices:
            chunk = text[part]
            operation = _comment_operation(chunk) or operation
            try:
                statements = pglast.parser.parse_sql(chunk)
            except ParseError as error:
                why = f"pglast (PostgreSQL's grammar) cannot parse a statement of it: {error}"
                reviewer.findings.append(_not_parsed(migration, operation, chunk, why))
                continue
            for raw in statements:
                reviewer.statement(migration, operation, raw.stmt, chunk)
    return reviewer.findings
