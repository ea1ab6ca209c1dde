# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# The program the django_migrate module runs inside Django, and the host-side helpers that build
# its input and read its output.
#
# Why one program: reading the state, planning, migrating and reading the state again must cost one
# container start and one Django start-up, not four. The module runs
#     manage.py shell -c BOOTSTRAP
# and writes build_payload(config) to its standard input. BOOTSTRAP blocks on stdin until EOF: plain
# `manage.py shell` with a script on stdin checks for input with a zero-timeout select() and, when
# the pipe is not ready yet (a slow `docker compose run` attach), falls back to an interactive
# console that reads the script line by line. `shell -c` has none of that race.
#
# The program prints sections between lines that carry a random per-run marker, so anything else on
# stdout (banners, system-check output, prints in settings) cannot be taken for a section:
#     <marker> BEGIN before    showmigrations list text before (the host parser reads it)
#     <marker> BEGIN plan      the plan's records as JSON (each migration's `atomic`), printed
#                              before anything runs: the host knows them even if the process dies
#     <marker> BEGIN migrate-N what `migrate` printed on attempt N ("Applying app.name... OK"),
#                              with a line `<marker> STEP apply_start app.name` before each
#                              migration starts and `<marker> STEP apply_success app.name` after
#                              it ended (unapply_* backwards), each flushed at once: when the
#                              process is killed (OOM, docker kill), the last start without its
#                              success names the migration that was running
#     <marker> BEGIN after     showmigrations list text after
#     <marker> BEGIN result    one JSON document: plan, irreversible, attempts, error, and with
#                              CONFIG lock_targets the plan's SQL as sqlmigrate prints it (lock_sql)
# It uses only long-stable Django APIs (call_command, MigrationExecutor, MigrationLoader) and runs
# on Django 3.2 to 6.0 and Python 3.8+ (what is tested where: django_migrate's notes).

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

# Fed to `manage.py shell -c`: reads the program from stdin (blocking, until EOF) and runs it in a
# namespace of its own.
BOOTSTRAP = "import sys; exec(sys.stdin.read(), {'__name__': '__accreditrack_migrate__'})"

# The section printers of every in-Django program of this collection (this one, and
# _models_script's): a section is its text between a BEGIN and an END line that carry the
# per-run marker CONFIG["marker"]; extract_sections() reads them on the host. Needs `sys`.
SECTION_HELPERS = r"""
def begin(name):
    sys.stdout.write("\n%s BEGIN %s\n" % (CONFIG["marker"], name))
    sys.stdout.flush()


def end(name):
    sys.stdout.write("\n%s END %s\n" % (CONFIG["marker"], name))
    sys.stdout.flush()


def section(name, text):
    begin(name)
    sys.stdout.write(text)
    end(name)


""".lstrip("\n")

SCRIPT = (
    r'''
import json
import random
import re
import sys
import time
import traceback

LOCK_TIMEOUT_SQLSTATE = "55P03"
LOCK_TIMEOUT_TEXT = "canceling statement due to lock timeout"
_PROGRESS = re.compile(r"^\s*(Applying|Unapplying) ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.\.\.(.*)$")


class TargetError(Exception):
    """The target cannot be resolved; the message says why."""


def resolve_target(app, target, disk_names, graph_names, squashes):
    """The migration name to migrate APP to, or None for zero; and a note when it was mapped.

    disk_names: every migration of APP on disk (squashes and the migrations they replace);
    graph_names: those the loader uses (a squash, or the migrations it replaces, not both);
    squashes: {squash name: [names it replaces, in order]} for APP.
    """
    if target == "zero":
        return None, None
    if target in disk_names:
        name = target
    else:
        candidates = sorted(n for n in disk_names if n.startswith(target))
        if not candidates:
            raise TargetError(
                "Cannot find a migration matching '%s' from app '%s'. Its migrations: %s."
                % (target, app, ", ".join(sorted(disk_names)) or "none")
            )
        if len(candidates) > 1:
            raise TargetError(
                "More than one migration matches '%s' in app '%s': %s. Please be more specific."
                % (target, app, ", ".join(candidates))
            )
        name = candidates[0]
    if name in graph_names:
        return name, None
    for squash, replaced in sorted(squashes.items()):
        if name == squash and replaced and replaced[-1] in graph_names:
            # The squash is not in use (only part of what it replaces is applied): its last
            # replaced migration is the same state.
            return replaced[-1], "%s.%s is not in use yet; migrating to %s.%s, the same state" % (
                app, squash, app, replaced[-1])
        if name in replaced and squash in graph_names:
            if replaced[-1] == name:
                note = "%s.%s was replaced by %s.%s, which ends with it; migrating to %s.%s"
                return squash, note % (app, name, app, squash, app, squash)
            raise TargetError(
                "Migration %s.%s was replaced by the squashed migration %s.%s (which replaces %s) "
                "and no longer exists as a state of its own: migrate to %s.%s, or to a migration "
                "before it." % (app, name, app, squash, ", ".join(replaced), app, squash)
            )
    raise TargetError("Migration %s.%s is on disk but not in the migration graph." % (app, name))


def describe_operation(operation):
    try:
        return str(operation.describe())
    except Exception:
        return type(operation).__name__


def plan_records(plan):
    """The plan as JSON-able dicts: one per migration, with its operations."""
    records = []
    for migration, backwards in plan:
        operations = []
        for operation in migration.operations:
            reversible = bool(getattr(operation, "reversible", True))
            operations.append({
                "description": describe_operation(operation),
                "type": type(operation).__name__,
                "reversible": reversible,
                "irreversible": bool(backwards and not reversible),
            })
        records.append({
            "app": migration.app_label,
            "name": migration.name,
            "migration": "%s.%s" % (migration.app_label, migration.name),
            "backwards": bool(backwards),
            "atomic": bool(getattr(migration, "atomic", True)),
            "operations": operations,
        })
    return records


def irreversible_steps(records):
    """Backward steps Django cannot run: same rule as `-> IRREVERSIBLE` in `migrate --plan`."""
    return [
        {"migration": r["migration"], "operation": op["description"]}
        for r in records if r["backwards"]
        for op in r["operations"] if op["irreversible"]
    ]


# --- describe_schema_changes: what each forward operation does to the database schema ---------
# One entry per operation (a SeparateDatabaseAndState: one per database operation, none of its
# state operations), computed from the project state BEFORE the operation: the executor's state
# of the applied migrations (MigrationExecutor._create_project_state, as `migrate` builds it),
# then operation.state_forwards() of every operation in plan order, as migrate applies them.


class SchemaStateBroken(Exception):
    """The project state could not be carried past an operation: later ones cannot be read."""


def _operation_classes():
    from django.db.migrations import operations

    return operations


def _model_operation_classes():
    """The base classes of the operations on one model (their model_name or name is a model)."""
    from django.db.migrations.operations import fields, models

    names = ("ModelOperation", "IndexOperation")
    return tuple(getattr(models, n) for n in names if hasattr(models, n)) + (
        fields.FieldOperation,)


def _has_class(obj, name):
    return any(klass.__name__ == name for klass in type(obj).__mro__)


def _not_provided():
    from django.db.models.fields import NOT_PROVIDED

    return NOT_PROVIDED


def _state_model(state, app_label, model_name):
    """The rendered model of STATE (None when it cannot be rendered or is not there)."""
    if (app_label, model_name.lower()) not in state.models:
        return None
    return state.apps.get_model(app_label, model_name)


def _model_facts(model):
    meta = model._meta
    return {"model": meta.label, "db_table": meta.db_table}


def _through_tables(model):
    """The tables of the auto-created many-to-many through models of MODEL's own fields."""
    tables = []
    for field in model._meta.local_many_to_many:
        through = getattr(field.remote_field, "through", None)
        if through is not None and not isinstance(through, str) and through._meta.auto_created:
            tables.append(through._meta.db_table)
    return tables


def _field_facts(model, name, connection):
    field = model._meta.get_field(name)
    facts = {
        "field": field.name,
        "column": getattr(field, "column", None),
        "null": bool(field.null),
        "db_type": None,
        "many_to_many": bool(field.many_to_many),
        "through_table": None,
        "relation": bool(field.is_relation and (field.many_to_one or field.one_to_one)),
        "db_constraint": bool(getattr(field, "db_constraint", False)),
        "unique": bool(field.unique) and not field.primary_key,
        "db_index": bool(getattr(field, "db_index", False)),
        "db_default": getattr(field, "db_default", _not_provided()) is not _not_provided(),
        "has_default": bool(field.has_default()),
        "generated": bool(getattr(field, "generated", False)),
    }
    try:
        facts["db_type"] = field.db_type(connection)
    except Exception:
        facts["db_type"] = None
    if field.many_to_many:
        through = getattr(field.remote_field, "through", None)
        if through is not None and not isinstance(through, str) and through._meta.auto_created:
            facts["through_table"] = through._meta.db_table
    return facts


def _columns_of(model, names):
    columns = []
    for name in names or ():
        name = name[1:] if name.startswith("-") else name
        try:
            columns.append(model._meta.get_field(name).column)
        except Exception:
            columns.append(name)
    return columns


def _new_entry(operation):
    return {
        "kind": "other",
        "kinds": [],
        "operation": describe_operation(operation),
        "type": type(operation).__name__,
        "model": None,
        "db_table": None,
        "columns": [],
        "reason": None,
    }


def _kind(entry, kinds, reason=None):
    entry["kinds"] = list(kinds) or ["other"]
    entry["kind"] = entry["kinds"][0]
    if reason:
        entry["reason"] = reason


def _after_model(op, app_label, state, ops):
    """The model OP works on, in STATE after it (None for one it deleted or not a model op)."""
    if not isinstance(op, _model_operation_classes()):
        return None
    name = op.new_name if isinstance(op, ops.RenameModel) else (
        getattr(op, "model_name", None) or getattr(op, "name", None))
    return _state_model(state, app_label, name) if name else None


def _leaves_database_alone(op, model, connection):
    """Why Django runs no SQL for OP on MODEL (None when it does): every model operation's
    database_forwards first asks allow_migrate_model(), false for a proxy, unmanaged or
    swapped-out model and for one a database router keeps off this database."""
    if model is None or not hasattr(op, "allow_migrate_model"):
        return None
    if op.allow_migrate_model(connection.alias, model):
        return None
    meta = model._meta
    if meta.proxy:
        why = "a proxy model (it has no table of its own)"
    elif not meta.managed:
        why = "an unmanaged model (managed = False)"
    elif meta.swapped:
        why = "a swapped-out model (replaced by %s)" % meta.swapped
    else:
        why = "a model a database router (or required_db_vendor) keeps off this database"
    return "Django leaves the database alone: %s is %s" % (meta.label, why)


def _describe_model_op(op, app_label, state, connection, created, entry, ops, applied):
    """Describe OP against STATE, apply its state_forwards, and finish the description."""
    model_name = getattr(op, "model_name", None) or getattr(op, "name", None)
    before = None
    if isinstance(op, (ops.RenameModel,)):
        model_name = op.old_name
    if model_name and isinstance(op, _model_operation_classes()) \
            and not isinstance(op, ops.CreateModel):
        before = _state_model(state, app_label, model_name)
        if before is None:
            raise LookupError("no model %s.%s in the project state" % (app_label, model_name))
        entry.update(_model_facts(before))
    old = None
    if isinstance(op, (ops.RemoveField, ops.AlterField)) and before is not None:
        old = _field_facts(before, op.name, connection)
    elif isinstance(op, ops.RenameField) and before is not None:
        old = _field_facts(before, op.old_name, connection)
    elif isinstance(op, ops.DeleteModel) and before is not None:
        entry["tables"] = [entry["db_table"]] + _through_tables(before)
    table_exists = entry["db_table"] is not None and entry["db_table"] not in created
    unique_before = None
    if isinstance(op, ops.AlterUniqueTogether) or _has_class(op, "AlterIndexTogether"):
        option = "unique_together" if isinstance(op, ops.AlterUniqueTogether) else "index_together"
        model_state = state.models.get((app_label, op.name_lower))
        together = (model_state.options.get(option) if model_state is not None else None) or ()
        unique_before = set(tuple(t) for t in together)

    try:
        op.state_forwards(app_label, state)
    except Exception as exc:
        raise SchemaStateBroken("%s: %s" % (type(exc).__name__, str(exc).strip()))
    applied.append(True)

    # What Django's database_forwards checks before it touches the database: the model of the
    # state after the operation (before it for DeleteModel).
    skipped = _leaves_database_alone(op, _after_model(op, app_label, state, ops) or before,
                                     connection)
    if skipped:
        _kind(entry, ["other"], skipped)
        return

    if isinstance(op, ops.CreateModel):
        after = _state_model(state, app_label, op.name)
        entry.update(_model_facts(after))
        tables = [after._meta.db_table] + _through_tables(after)
        created.update(tables)
        entry["tables"] = tables
        _kind(entry, ["create_table"])
    elif isinstance(op, ops.DeleteModel):
        _kind(entry, ["drop_table"])
    elif isinstance(op, (ops.RenameModel, ops.AlterModelTable)):
        new_name = op.new_name if isinstance(op, ops.RenameModel) else op.name
        after = _state_model(state, app_label, new_name)
        entry["old_table"], entry["new_table"] = entry["db_table"], after._meta.db_table
        entry["new_model"] = after._meta.label
        if entry["old_table"] in created:
            created.add(entry["new_table"])  # still a table of this plan under its new name
        if entry["old_table"] != entry["new_table"]:
            _kind(entry, ["rename_table"])
        else:
            _kind(entry, ["other"], "the table keeps its name")
    elif isinstance(op, ops.AddField):
        after = _state_model(state, app_label, op.model_name)
        new = _field_facts(after, op.name, connection)
        entry.update(field=new["field"], null=new["null"], db_default=new["db_default"],
                     has_default=new["has_default"], table_exists=table_exists,
                     new_db_type=new["db_type"])
        if new["many_to_many"]:
            if new["through_table"]:
                created.add(new["through_table"])
                entry["tables"] = [new["through_table"]]
                _kind(entry, ["create_table"], "the many-to-many table of %s" % new["field"])
            else:
                _kind(entry, ["other"], "a many-to-many field through a model of its own")
            return
        entry["columns"] = [new["column"]]
        kinds = ["add_column"]
        if not new["null"] and not new["db_default"] and not new["generated"]:
            kinds = ["add_not_null_column_without_db_default"]
        if new["relation"] and new["db_constraint"]:
            kinds.append("add_foreign_key")
        if new["unique"]:
            kinds.append("add_unique")
        elif new["db_index"]:
            kinds.append("add_index")
        _kind(entry, kinds)
    elif isinstance(op, ops.RemoveField):
        entry["field"] = old["field"]
        if old["many_to_many"]:
            if old["through_table"]:
                entry["tables"] = [old["through_table"]]
                _kind(entry, ["drop_table"], "the many-to-many table of %s" % old["field"])
            else:
                _kind(entry, ["other"], "a many-to-many field through a model of its own")
        else:
            entry["columns"] = [old["column"]]
            _kind(entry, ["drop_column"])
    elif isinstance(op, (ops.RenameField, ops.AlterField)):
        new_field = op.new_name if isinstance(op, ops.RenameField) else op.name
        after = _state_model(state, app_label, op.model_name)
        new = _field_facts(after, new_field, connection)
        entry.update(field=old["field"], new_field=new["field"], null_before=old["null"],
                     null_after=new["null"], old_db_type=old["db_type"],
                     new_db_type=new["db_type"])
        if old["many_to_many"] or new["many_to_many"]:
            entry["old_table"], entry["new_table"] = old["through_table"], new["through_table"]
            if old["through_table"] and old["through_table"] != new["through_table"]:
                entry["tables"] = [old["through_table"]]
                _kind(entry, ["rename_table"], "the many-to-many table of %s" % old["field"])
            else:
                _kind(entry, ["other"], "a many-to-many field")
            return
        entry["columns"] = [old["column"]]
        entry["old_column"], entry["new_column"] = old["column"], new["column"]
        kinds = []
        if old["column"] != new["column"]:
            kinds.append("rename_column")
        if old["db_type"] is not None and new["db_type"] is not None \
                and old["db_type"] != new["db_type"]:
            kinds.append("alter_column_type")
        if old["null"] and not new["null"]:
            kinds.append("set_not_null")
        if new["relation"] and new["db_constraint"] and not (
                old["relation"] and old["db_constraint"]):
            kinds.append("add_foreign_key")
        if new["unique"] and not old["unique"]:
            kinds.append("add_unique")
        elif new["db_index"] and not (old["db_index"] or old["unique"]):
            kinds.append("add_index")
        _kind(entry, kinds, None if kinds else "no column change")
    elif isinstance(op, ops.AddIndex):
        after = _state_model(state, app_label, op.model_name)
        entry["columns"] = _columns_of(after, getattr(op.index, "fields", ()))
        entry["index_name"] = getattr(op.index, "name", None)
        entry["concurrently"] = _has_class(op, "AddIndexConcurrently")
        entry["table_exists"] = table_exists
        _kind(entry, ["add_index"])
    elif isinstance(op, ops.AddConstraint):
        after = _state_model(state, app_label, op.model_name)
        constraint = op.constraint
        entry["constraint"] = getattr(constraint, "name", None)
        entry["columns"] = _columns_of(after, getattr(constraint, "fields", ()))
        entry["table_exists"] = table_exists
        if _has_class(constraint, "UniqueConstraint"):
            _kind(entry, ["add_unique"])
        elif _has_class(constraint, "CheckConstraint"):
            _kind(entry, ["add_check"])
        else:
            _kind(entry, ["other"], "a %s" % type(constraint).__name__)
    elif unique_before is not None:
        after = _state_model(state, app_label, op.name)
        value = getattr(op, op.option_name, None) or ()
        added = set(tuple(t) for t in value) - unique_before
        names = sorted(set(name for together in added for name in together))
        entry["columns"] = _columns_of(after, names)
        entry["table_exists"] = table_exists
        kind = "add_unique" if isinstance(op, ops.AlterUniqueTogether) else "add_index"
        _kind(entry, [kind] if added else ["other"], None if added else "nothing added")
    else:
        _kind(entry, ["other"])


def describe_schema_change(op, app_label, state, connection, created):
    """The schema change entries of one operation; applies its state_forwards to STATE.

    Raises SchemaStateBroken when STATE cannot be carried past OP; anything else it cannot read
    makes the entry's kind `unknown`, with the reason."""
    ops = _operation_classes()
    entry = _new_entry(op)
    if isinstance(op, ops.SeparateDatabaseAndState):
        database_state = state.clone()
        entries = []
        for inner in op.database_operations:
            for item in describe_schema_change(inner, app_label, database_state, connection,
                                               created):
                item["nested_in"] = type(op).__name__
                entries.append(item)
        try:
            op.state_forwards(app_label, state)
        except Exception as exc:
            raise SchemaStateBroken("%s: %s" % (type(exc).__name__, str(exc).strip()))
        if not entries:
            _kind(entry, ["other"], "changes the project state only, not the database")
            entries.append(entry)
        return entries
    if isinstance(op, ops.RunSQL):
        _kind(entry, ["run_sql"])
        entry["sql"] = str(op.sql)[:2000]
    elif isinstance(op, ops.RunPython):
        _kind(entry, ["run_python"])
    if entry["kind"] in ("run_sql", "run_python"):
        try:
            op.state_forwards(app_label, state)  # a RunSQL's state_operations
        except Exception as exc:
            raise SchemaStateBroken("%s: %s" % (type(exc).__name__, str(exc).strip()))
        return [entry]
    applied = []
    try:
        _describe_model_op(op, app_label, state, connection, created, entry, ops, applied)
    except SchemaStateBroken:
        raise
    except Exception as exc:
        entry["kind"], entry["kinds"] = "unknown", ["unknown"]
        entry["reason"] = "cannot be described: %s: %s" % (type(exc).__name__, str(exc).strip())
        if not applied:
            try:
                op.state_forwards(app_label, state)
            except Exception as inner:
                raise SchemaStateBroken("%s: %s" % (type(inner).__name__, str(inner).strip()))
    return [entry]


def _unknown(operation, reason):
    entry = _new_entry(operation)
    entry["kind"], entry["kinds"], entry["reason"] = "unknown", ["unknown"], reason
    return entry


def add_schema_changes(records, plan, executor, connection):
    """Put `schema_changes` (describe_schema_change() of each operation) in every forward
    record of RECORDS (plan_records(PLAN)). Never raises: what cannot be read is `unknown`."""
    forward = [(m, r) for (m, backwards), r in zip(plan, records) if not backwards]
    if not forward:
        return
    broken = None
    state = None
    try:
        if any(backwards for _m, backwards in plan):
            broken = "the plan goes forwards and backwards"
        else:
            state = executor._create_project_state(with_applied_migrations=True)
    except Exception as exc:
        broken = "the project state of the applied migrations cannot be built: %s: %s" % (
            type(exc).__name__, str(exc).strip())
    created = set()
    for migration, record in forward:
        changes = []
        for index, operation in enumerate(migration.operations):
            if broken:
                entries = [_unknown(operation, broken)]
            else:
                try:
                    entries = describe_schema_change(operation, migration.app_label, state,
                                                     connection, created)
                except Exception as exc:
                    reason = "%s: %s" % (type(exc).__name__, str(exc).strip())
                    entries = [_unknown(operation, "the project state cannot be carried past it: "
                                        + reason)]
                    broken = "the project state cannot be carried past %s.%s (%s)" % (
                        migration.app_label, migration.name, reason)
            for entry in entries:
                entry["index"] = index
            changes.extend(entries)
        record["schema_changes"] = changes


def error_chain(exc):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def sqlstate(exc):
    for item in error_chain(exc):
        code = getattr(item, "pgcode", None) or getattr(item, "sqlstate", None)
        if code:
            return str(code)
    return None


def is_lock_timeout(exc):
    if sqlstate(exc) == LOCK_TIMEOUT_SQLSTATE:
        return True
    return any(LOCK_TIMEOUT_TEXT in str(item) for item in error_chain(exc))


def error_record(exc, stage, migration=None):
    return {
        "stage": stage,
        "type": type(exc).__name__,
        "message": str(exc).strip(),
        "pgcode": sqlstate(exc),
        "lock_timeout": is_lock_timeout(exc),
        "migration": migration,
        "traceback": "".join(
            traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
    }


def in_progress(text):
    """The migration that `migrate` started last and did not finish ("app.name"), else None."""
    current = None
    for line in text.splitlines():
        match = _PROGRESS.match(line)
        if match:
            done = match.group(4).strip().startswith(("OK", "FAKED"))
            current = None if done else "%s.%s" % (match.group(2), match.group(3))
    return current


def backoff_delay(attempt, base, cap=60.0, rand=random.random):
    """Exponential backoff with jitter: between half and all of min(cap, base * 2**(attempt-1))."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return round(delay / 2 + rand() * delay / 2, 3)


def retry_base(config):
    """The first retry's delay in seconds: CONFIG's retry_delay (0 retries at once), 1 unset."""
    value = config.get("retry_delay")
    return 1.0 if value is None or value == "" else max(0.0, float(value))


class Tee(object):
    """Writes through to the real stdout (live, and kept if the process dies) and keeps a copy.

    Every write is flushed: stdout is a pipe (block-buffered), and what a killed process had not
    flushed is lost - the host must see the progress up to the moment it died.
    """

    def __init__(self, stream):
        self.stream = stream
        self.parts = []

    def write(self, text):
        self.parts.append(text)
        self.stream.write(text)
        self.stream.flush()
        return len(text)

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return False

    def text(self):
        return "".join(self.parts)


'''
    + SECTION_HELPERS
    + r'''STEP_STARTS = ("apply_start", "unapply_start")
STEP_ENDS = ("apply_success", "unapply_success")


def step_line(action, migration):
    return "%s STEP %s %s.%s\n" % (CONFIG["marker"], action, migration.app_label, migration.name)


def add_step_markers(command, out):
    """Make COMMAND (migrate) write a flushed STEP line to OUT before each migration starts and
    after it ended, around Django's own progress output (migration_progress_callback, the same
    in Django 3.2 to 6.0). Returns COMMAND (unchanged when an override has no such callback: the
    host then reads Django's own "  Applying app.name..." lines)."""
    original = getattr(command, "migration_progress_callback", None)
    if original is None:
        return command

    def callback(action, migration=None, *args, **kwargs):
        if action in STEP_STARTS and migration is not None:
            out.write(step_line(action, migration))
        result = original(action, migration, *args, **kwargs)
        if action in STEP_ENDS and migration is not None:
            out.write(step_line(action, migration))
        return result

    command.migration_progress_callback = callback
    return command


def migrate_command():
    """The `migrate` command object call_command would run (a project may override it)."""
    from django.core.management import BaseCommand, get_commands, load_command_class

    app_name = get_commands()["migrate"]
    if isinstance(app_name, BaseCommand):
        return app_name
    return load_command_class(app_name, "migrate")


# What set_config answered for each session setting: PostgreSQL's own spelling of the value
# ("3s" for "3000ms"), the value every migration's transaction must see.
EXPECTED_SETTINGS = {}


class SessionSettingLost(Exception):
    """A session setting this run made is not in effect inside a migration's transaction."""


def install_session_settings(connection, settings):
    """SET lock_timeout etc. on every new PostgreSQL connection (PGOPTIONS may not reach it), and
    check them again inside each migration's own transaction (check_session_settings)."""
    if not settings or connection.vendor != "postgresql":
        return
    from django.db.backends.signals import connection_created

    def apply(sender, connection, **kwargs):
        if connection.alias != CONFIG_ALIAS[0]:
            return
        with connection.cursor() as cursor:
            for name, value in sorted(settings.items()):
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
                EXPECTED_SETTINGS[name] = cursor.fetchone()[0]

    connection_created.connect(apply, weak=False, dispatch_uid="accreditrack_ops_session_settings")
    if connection.connection is not None:
        apply(None, connection)
    install_transaction_check()


def lost_settings(expected, effective):
    """[(name, effective, expected)] for every setting whose effective value differs."""
    return [(name, effective.get(name), value) for name, value in sorted(expected.items())
            if effective.get(name) != value]


def lost_settings_message(lost):
    said = ", ".join("%s is %r where this run set %r" % item for item in lost)
    return ("Inside the migration's transaction %s: the connection goes through a pooler that does "
            "not keep session settings (PgBouncer with pool_mode = transaction or statement, or a "
            "server_reset_query run after every transaction). No statement of this migration ran. "
            "Migrate through a direct or session-pooled connection (PgBouncer pool_mode = session "
            "for the migration's database user), or make the value the role's own (ALTER ROLE ... "
            "SET lock_timeout = ...)" % said)


def check_session_settings(connection):
    """Raise SessionSettingLost when a session setting is not in effect on the connection now."""
    if not EXPECTED_SETTINGS or connection.alias != CONFIG_ALIAS[0]:
        return
    with connection.cursor() as cursor:
        effective = {}
        for name in sorted(EXPECTED_SETTINGS):
            cursor.execute("SELECT current_setting(%s)", [name])
            effective[name] = cursor.fetchone()[0]
    lost = lost_settings(EXPECTED_SETTINGS, effective)
    if lost:
        raise SessionSettingLost(lost_settings_message(lost))


def install_transaction_check():
    """Every migration's schema editor checks the settings once it is inside the migration's
    transaction (an atomic migration), before its first statement: a pooler in transaction mode
    serves that transaction from a server connection the run's SET never reached. A non-atomic
    migration has no transaction: the check reads the connection just before its first statement."""
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    if getattr(BaseDatabaseSchemaEditor, "_accreditrack_checked", False):
        return
    original = BaseDatabaseSchemaEditor.__enter__

    def enter(self):
        editor = original(self)
        try:
            check_session_settings(self.connection)
        except BaseException as exc:
            self.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return editor

    BaseDatabaseSchemaEditor.__enter__ = enter
    BaseDatabaseSchemaEditor._accreditrack_checked = True


def show_setting(connection, name):
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s)", [name])
            return cursor.fetchone()[0]
    except Exception:
        return None


def showmigrations(database):
    from io import StringIO
    from django.core.management import call_command

    buf = StringIO()
    call_command("showmigrations", database=database, format="list", verbosity=1,
                 no_color=True, stdout=buf)
    return buf.getvalue()


def system_checks(database, args):
    """Django's system checks as `manage.py check --database ALIAS ARGS` runs them (database
    checks included, as `migrate` runs them). Raises SystemCheckError when they fail; returns what
    they printed (warnings) otherwise."""
    from io import StringIO
    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("check", *args, databases=[database], stdout=out, stderr=err)
    return (err.getvalue() + out.getvalue()).strip()


def known_names(loader, app):
    """Every migration name of APP this code knows: on disk, and those its squashes replace."""
    names = set()
    for (label, name), migration in loader.disk_migrations.items():
        if label != app:
            continue
        names.add(name)
        for replaced_app, replaced in migration.replaces or ():
            if replaced_app == app:
                names.add(replaced)
    return names


def classify_unknown(rows, known):
    """Recorded rows (app, name, applied) whose name is not in known[app], oldest first.

    `ahead` marks those recorded after the app's latest known applied migration (or in an app with
    no known migration applied): the database was migrated by a newer release - a code downgrade
    over a newer schema. Rows recorded before it are history (migrations deleted once a squash that
    replaced them was in use everywhere), not a problem.
    """
    by_app = {}
    for app, name, applied in rows:
        by_app.setdefault(app, []).append((name, applied))
    found = []
    for app, recorded in sorted(by_app.items()):
        names = known.get(app, set())
        known_times = [applied for name, applied in recorded if name in names and applied]
        latest = max(known_times) if known_times else None
        unknown = [r for r in recorded if r[0] not in names]
        for name, applied in sorted(unknown, key=lambda r: (r[1] is None, r[1] or 0, r[0])):
            found.append({
                "migration": "%s.%s" % (app, name),
                "app": app,
                "name": name,
                "applied": applied.isoformat() if applied else None,
                "ahead": latest is None or (applied is not None and applied > latest),
            })
    return found


def unknown_applied(connection, loader):
    """classify_unknown() of django_migrations for the code's migrated apps."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    apps = sorted(loader.migrated_apps)
    rows = recorder.migration_qs.filter(app__in=apps).values_list("app", "name", "applied")
    return classify_unknown(list(rows), dict((app, known_names(loader, app)) for app in apps))


def sqlmigrate_text(loader, connection, key):
    """What `manage.py sqlmigrate APP NAME` prints for the migration KEY, computed as that command
    computes it (django/core/management/commands/sqlmigrate.py, the same in Django 3.2 to 6.0).

    LOADER is a MigrationLoader(connection, replace_migrations=False), as sqlmigrate builds it:
    squashes and the migrations they replace are all nodes. collect_sql() of the one-step plan
    [(migration, False)] starts from the project state at that migration (the graph's state of its
    ancestors, at_end=False) and collects the statements instead of running them. sqlmigrate's
    BaseCommand.execute() then puts BEGIN/COMMIT around them when the migration is atomic and the
    database can roll back DDL, and OutputWrapper ends the text with a newline. No statement at all
    prints nothing.
    """
    migration = loader.graph.nodes[key]
    text = "\n".join(loader.collect_sql([(migration, False)]))
    if not text:
        return ""
    if migration.atomic and connection.features.can_rollback_ddl:
        text = "%s\n%s\n%s" % (connection.ops.start_transaction_sql(), text,
                               connection.ops.end_transaction_sql())
    return text if text.endswith("\n") else text + "\n"


def squash_notes(disk_migrations):
    """{key: why a squash is involved} for every migration on disk that replaces others, or that a
    squash on disk replaces (a plan step of the latter means the squash is only partly applied)."""
    notes = {}
    for key, migration in sorted(disk_migrations.items()):
        replaced = [tuple(r) for r in migration.replaces or ()]
        if replaced:
            notes.setdefault(key, []).append(
                "replaces %s" % ", ".join("%s.%s" % r for r in replaced))
        for other in replaced:
            notes.setdefault(other, []).append("replaced by %s.%s" % key)
    return dict((key, "; ".join(texts)) for key, texts in notes.items())


def sqlmigrate_loader(connection):
    """The migration loader sqlmigrate uses: squashes are not put in place of what they replace."""
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection, replace_migrations=False)


def lock_sql(connection, records, make_loader=sqlmigrate_loader):
    """The input of the lock targets, from the plan's records: what sqlmigrate prints for every
    forward step (in plan order), the steps it cannot be computed for, the backward steps, the
    steps a squash is involved in, and the tables that exist now. Never raises: a failure is an
    error entry (the caller then checks the whole database)."""
    out = {"sql": [], "errors": [], "backwards": [], "squashes": [], "existing_tables": [],
           "error": None}
    started = time.time()
    try:
        loader = make_loader(connection)
        squashes = squash_notes(loader.disk_migrations)
        for record in records:
            label, key = record["migration"], (record["app"], record["name"])
            if record["backwards"]:
                out["backwards"].append(label)
                continue
            if key in squashes:
                out["squashes"].append([label, squashes[key]])
            try:
                out["sql"].append([label, sqlmigrate_text(loader, connection, key)])
            except Exception as exc:
                out["errors"].append([label, "%s: %s" % (type(exc).__name__, str(exc).strip())])
        with connection.cursor() as cursor:
            out["existing_tables"] = sorted(connection.introspection.table_names(cursor))
    except Exception as exc:
        out["error"] = "%s: %s" % (type(exc).__name__, str(exc).strip())
    out["seconds"] = round(time.time() - started, 3)
    return out


CONFIG_ALIAS = [None]


def run(result):
    import django
    from django.apps import apps
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    result["django_version"] = django.get_version()
    database = CONFIG.get("database") or DEFAULT_DB_ALIAS
    CONFIG_ALIAS[0] = database
    connection = connections[database]
    install_session_settings(connection, CONFIG.get("session_settings") or {})

    stage = "before"
    try:
        before = showmigrations(database)
        section("before", before)
        result["before_partial"] = "[-]" in before

        if CONFIG.get("system_checks"):
            stage = "checks"
            check_args = CONFIG.get("system_checks_args") or []
            result["system_checks"] = system_checks(database, check_args)

        stage = "plan"
        app, target = CONFIG.get("app"), CONFIG.get("target")
        executor = MigrationExecutor(connection)
        loader = executor.loader
        if app:
            try:
                apps.get_app_config(app)
            except LookupError:
                raise TargetError("No installed app with label '%s'." % app)
            if app not in loader.migrated_apps:
                raise TargetError("App '%s' does not have migrations." % app)
        loader.check_consistent_history(connection)
        result["unknown_applied"] = unknown_applied(connection, loader)
        conflicts = loader.detect_conflicts()
        if conflicts:
            leaves = "; ".join("%s in %s" % (", ".join(sorted(names)), a)
                               for a, names in sorted(conflicts.items()))
            raise TargetError("Conflicting migrations detected; multiple leaf nodes in the "
                              "migration graph: %s. To fix them run "
                              "'python manage.py makemigrations --merge'" % leaves)
        migrate_args = []
        if app and target:
            disk = sorted(n for (a, n) in loader.disk_migrations if a == app)
            graph = sorted(n for (a, n) in loader.graph.nodes if a == app)
            squashes = {}
            for (a, n), migration in loader.disk_migrations.items():
                if a == app and migration.replaces:
                    squashes[n] = [r[1] for r in migration.replaces if r[0] == app]
            name, note = resolve_target(app, target, disk, graph, squashes)
            result["resolved_target"] = name or "zero"
            result["target_note"] = note
            targets = [(app, name)]
            migrate_args = [app, name or "zero"]
        elif app:
            targets = [key for key in loader.graph.leaf_nodes() if key[0] == app]
            migrate_args = [app]
        else:
            targets = loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        records = plan_records(plan)
        if CONFIG.get("describe_schema_changes"):
            add_schema_changes(records, plan, executor, connection)
        result["plan"] = records
        section("plan", json.dumps(records, sort_keys=True))
        result["irreversible"] = irreversible_steps(records)
        result["lock_timeout_effective"] = show_setting(connection, "lock_timeout")
        result["statement_timeout_effective"] = show_setting(connection, "statement_timeout")
        if records:
            # The plan's own transaction sees what a migration's will: behind a pooler in
            # transaction pooling the session settings are gone, and nothing has been done yet.
            from django.db import transaction

            stage = "session_settings"
            with transaction.atomic(using=database):
                check_session_settings(connection)
    except Exception as exc:
        result["error"] = error_record(exc, stage)
        return

    if result["irreversible"] and not CONFIG.get("allow_irreversible"):
        first = result["irreversible"][0]
        result["error"] = {
            "stage": "irreversible",
            "type": "IrreversibleError",
            "message": "Operation %s in %s is not reversible" % (
                first["operation"], first["migration"]),
            "migration": first["migration"],
        }
        return
    if CONFIG.get("lock_targets"):
        result["lock_sql"] = lock_sql(connection, records)
    if CONFIG.get("check_mode"):
        return
    if not records and not result["before_partial"]:
        result["skipped_migrate"] = True
        return

    atomic = dict((r["migration"], r["atomic"]) for r in records)
    retries = int(CONFIG.get("retries") or 0)
    attempt = 0
    while True:
        attempt += 1
        name = "migrate-%d" % attempt
        tee = Tee(sys.stdout)
        record = {"attempt": attempt, "ok": False, "error": None, "delay": None}
        result["attempts"].append(record)
        started = time.time()
        begin(name)
        failure = None
        try:
            command = add_step_markers(migrate_command(), tee)
            call_command(command, *migrate_args, database=database, interactive=False,
                         verbosity=1, no_color=True, stdout=tee,
                         skip_checks=bool(CONFIG.get("system_checks")))  # ran once already
            record["ok"] = True
        except Exception as exc:
            failure = exc
        finally:
            end(name)
            record["seconds"] = round(time.time() - started, 3)
        if failure is None:
            break
        current = in_progress(tee.text())
        record["error"] = error_record(failure, "migrate", current)
        retriable = record["error"]["lock_timeout"] and atomic.get(current, True)
        if not retriable or attempt > retries:
            result["error"] = record["error"]
            if record["error"]["lock_timeout"] and not atomic.get(current, True):
                result["error"]["message"] += (" (not retried: %s is not atomic and may be partly "
                                               "applied)" % current)
            break
        try:
            connection.close()
        except Exception:
            pass
        record["delay"] = backoff_delay(attempt, retry_base(CONFIG))
        time.sleep(record["delay"])

    try:
        connection.close()
    except Exception:
        pass
    try:
        section("after", showmigrations(database))
    except Exception as exc:
        result["after_error"] = error_record(exc, "after")


def main():
    result = {"attempts": [], "error": None, "plan": None, "irreversible": [],
              "resolved_target": None, "target_note": None, "system_checks": None,
              "unknown_applied": []}
    try:
        run(result)
    except BaseException as exc:
        result["error"] = error_record(exc, "script")
    section("result", json.dumps(result, sort_keys=True))


if __name__ == "__accreditrack_migrate__":
    main()
'''
)


def new_marker() -> str:
    """A marker no migration output will contain by chance."""
    return "@@accreditrack-" + secrets.token_hex(12)


def build_payload(config: Mapping[str, Any], script: str = SCRIPT) -> str:
    """The program to write to stdin: the CONFIG literal, then SCRIPT (or another in-Django
    program of this collection that BOOTSTRAP runs, such as _models_script.MODELS_SCRIPT)."""
    literal = json.dumps(dict(config), sort_keys=True)
    return f"import json\nCONFIG = json.loads({literal!r})\n{script}"


def extract_sections(stdout: str, marker: str) -> dict[str, str]:
    """{name: text} for every complete section; a section that did not end is under `name` too,
    with `name` also listed in the key "__unterminated__" (newline-separated).

    The STEP lines of the migrate-N sections are not section text: they are under "__steps__",
    one "<section> <action> <app.name>" per line, in printed order."""
    sections: dict[str, str] = {}
    unterminated = []
    steps = []
    current = None
    lines: list[str] = []
    begin = marker + " BEGIN "
    end = marker + " END "
    step = marker + " STEP "
    for raw in (stdout or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if current is not None and step in raw:
            # Django's "  Applying x..." has no newline of its own until " OK": a STEP line may
            # follow it on the same line when the migration ended without its " OK".
            before_step, _sep, rest = raw.partition(step)
            if before_step.strip():
                lines.append(before_step)
            steps.append(f"{current} {rest.strip()}")
            continue
        if line.startswith(begin):
            if current is not None:
                unterminated.append(current)
                sections[current] = "\n".join(lines)
            current, lines = line[len(begin) :].strip(), []
        elif line.startswith(end) and current is not None:
            # The section text was preceded by a newline of our own and ends with one of ours.
            sections[current] = "\n".join(lines)
            current, lines = None, []
        elif current is not None:
            lines.append(raw)
    if current is not None:
        unterminated.append(current)
        sections[current] = "\n".join(lines)
    if unterminated:
        sections["__unterminated__"] = "\n".join(unterminated)
    if steps:
        sections["__steps__"] = "\n".join(steps)
    return sections


def script_namespace() -> dict[str, Any]:
    """SCRIPT's functions, for tests (the program's main() does not run)."""
    namespace: dict[str, Any] = {"__name__": "__accreditrack_migrate_test__", "CONFIG": {}}
    exec(compile(SCRIPT, "<accreditrack migrate script>", "exec"), namespace)
    return namespace
