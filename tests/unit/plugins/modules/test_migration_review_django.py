# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The migration safety review's inputs, end to end in a real Django (SQLite): django_migrate's
program with schema_changes (what each pending operation does to the schema, read from the project
state before it), django_models_info's program (what the running release's models use), and the
review of the one against the other. Skipped where Django is missing (ACCREDITRACK_DJANGO_PYTHON
may name a Python that has it).

The project's models.py is the RUNNING release (v1); its migrations directory holds the NEW
release's migrations (0002, 0003 pending) - what a deploy sees while v1 serves and v2 migrates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _migrate_script as ms
from ansible_collections.accreditrack.ops.plugins.module_utils import _migration_review as rv
from ansible_collections.accreditrack.ops.plugins.modules import django_migrate as dm

INITIAL = """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel("Tag", [
            ("id", models.AutoField(primary_key=True)),
            ("label", models.CharField(max_length=9)),
        ]),
        migrations.CreateModel("Thing", [
            ("id", models.AutoField(primary_key=True)),
            ("name", models.CharField(max_length=9)),
            ("legacy", models.CharField(max_length=10)),
            ("code", models.CharField(max_length=5)),
            ("note", models.CharField(max_length=20, null=True)),
            ("spare", models.CharField(max_length=5, null=True)),
            ("tags", models.ManyToManyField(to="accounts.Tag")),
        ]),
        migrations.CreateModel("Gone", [
            ("id", models.AutoField(primary_key=True)), ("x", models.IntegerField()),
        ]),
        migrations.CreateModel("Old", [
            ("id", models.AutoField(primary_key=True)), ("y", models.IntegerField()),
        ]),
        migrations.CreateModel("Tab", [
            ("id", models.AutoField(primary_key=True)), ("z", models.IntegerField()),
        ]),
    ]
"""

# Pending: one operation of every kind, in an order where the state walk matters (the index is
# on the column the rename before it made).
CHANGES = """
from django.db import migrations, models


def fill(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [
        migrations.RemoveField("thing", "legacy"),
        migrations.RenameField("thing", "name", "title"),
        migrations.AlterField("thing", "code", models.IntegerField()),
        migrations.AddField("thing", "required", models.CharField(max_length=3, default="x"),
                            preserve_default=False),
        migrations.AddField("thing", "optional", models.CharField(max_length=3, null=True)),
        migrations.DeleteModel("Gone"),
        migrations.RenameModel("Old", "Renamed"),
        migrations.AlterModelTable("tab", "custom_tab"),
        migrations.AddIndex("thing", models.Index(fields=["title"], name="thing_title_idx")),
        migrations.AlterField("thing", "note", models.CharField(max_length=20, default="")),
        migrations.RunSQL("SELECT 1", "SELECT 1"),
        migrations.RunPython(fill),
        migrations.RemoveField("thing", "spare"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("thing", "optional")]),
    ]
"""

# Pending too: nothing here breaks v1 (a new table, its index, a NOT NULL column on it, a column
# v1 uses made wider).
FRESH = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_changes")]
    operations = [
        migrations.CreateModel("Fresh", [
            ("id", models.AutoField(primary_key=True)), ("v", models.IntegerField()),
        ]),
        migrations.AddIndex("fresh", models.Index(fields=["v"], name="fresh_v_idx")),
        migrations.AddField("fresh", "w", models.IntegerField(default=0)),
        migrations.AlterField("tag", "label", models.CharField(max_length=50)),
        migrations.AddField("thing", "maybe", models.IntegerField(null=True)),
        migrations.AddField("thing", "tag", models.ForeignKey(
            "accounts.Tag", models.CASCADE, null=True)),
        migrations.AddConstraint("fresh", models.UniqueConstraint(
            fields=["v"], name="fresh_v_unique")),
        migrations.AlterUniqueTogether("tag", {("label",)}),
        migrations.AddConstraint("thing", models.CheckConstraint(
            check=models.Q(code__gte=0), name="thing_code_positive")),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("fresh", "fresh_table")],
            state_operations=[migrations.AlterModelTable("fresh", "fresh_table")],
        ),
        migrations.AddField("fresh", "x", models.IntegerField(default=1)),
    ]
"""

# Pending too, and Django runs no SQL for any of it (allow_migrate_model() is false): a proxy
# model created and deleted (its table is accounts_thing, which v1 uses), an unmanaged model's
# table (v1 reads outside_view) losing a column and gaining a NOT NULL one, then the unmanaged
# model deleted. None of it may be taken for a change of those tables.
SKIPPED = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_fresh")]
    operations = [
        migrations.CreateModel("Seen", [], options={"proxy": True}, bases=("accounts.thing",)),
        migrations.DeleteModel("Seen"),
        migrations.CreateModel("Outside", [
            ("id", models.AutoField(primary_key=True)), ("w", models.IntegerField()),
        ], options={"managed": False, "db_table": "outside_view"}),
        migrations.RemoveField("outside", "w"),
        migrations.AddField("outside", "v", models.IntegerField(default=0),
                            preserve_default=False),
        migrations.AlterField("outside", "id", models.CharField(max_length=5, primary_key=True)),
        migrations.DeleteModel("Outside"),
    ]
"""

# The running release (v1): it no longer uses Thing.spare (removed from its code already).
MODELS = """
from django.db import models


class Tag(models.Model):
    label = models.CharField(max_length=9)


class Thing(models.Model):
    name = models.CharField(max_length=9)
    legacy = models.CharField(max_length=10)
    code = models.CharField(max_length=5)
    note = models.CharField(max_length=20, null=True)
    tags = models.ManyToManyField(Tag)


class Gone(models.Model):
    x = models.IntegerField()


class Old(models.Model):
    y = models.IntegerField()


class Tab(models.Model):
    z = models.IntegerField()


class Seen(Thing):
    class Meta:
        proxy = True


class Outside(models.Model):
    w = models.IntegerField()

    class Meta:
        managed = False
        db_table = "outside_view"
"""


def _django_python() -> str | None:
    for candidate in (os.environ.get("ACCREDITRACK_DJANGO_PYTHON"), sys.executable):
        if candidate and (shutil.which(candidate) or Path(candidate).exists()):
            probe = subprocess.run([candidate, "-c", "import django"], capture_output=True)
            if probe.returncode == 0:
                return candidate
    return None


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """(python, root): the project, with accounts.0001_initial applied."""
    python = _django_python()
    if python is None:
        pytest.skip("no Python with Django (set ACCREDITRACK_DJANGO_PYTHON)")
    root = tmp_path_factory.mktemp("review")
    (root / "accounts" / "migrations").mkdir(parents=True)
    (root / "settings.py").write_text(
        'SECRET_KEY = "x"\nINSTALLED_APPS = ["accounts"]\nUSE_TZ = True\n'
        'DEFAULT_AUTO_FIELD = "django.db.models.AutoField"\n'
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', "
        f"'NAME': {str(root / 'db.sqlite3')!r}}}}}\n"
    )
    (root / "manage.py").write_text(
        "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    )
    (root / "accounts" / "__init__.py").write_text("")
    (root / "accounts" / "models.py").write_text(MODELS.lstrip())
    migrations = root / "accounts" / "migrations"
    (migrations / "__init__.py").write_text("")
    (migrations / "0001_initial.py").write_text(INITIAL.lstrip())
    (migrations / "0002_changes.py").write_text(CHANGES.lstrip())
    (migrations / "0003_fresh.py").write_text(FRESH.lstrip())
    (migrations / "0004_skipped.py").write_text(SKIPPED.lstrip())
    subprocess.run(
        [python, "manage.py", "migrate", "accounts", "0001", "-v", "0"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return python, root


def run_program(project, payload):
    python, root = project
    return subprocess.run(
        [python, "manage.py", "shell", "-c", ms.BOOTSTRAP],
        input=payload,
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )


def planned(project, **params):
    """django_migrate's check-mode result for PARAMS (the plan, nothing applied)."""
    params = {"retries": 0, "retry_delay": 0, "lock_timeout": None, **params}
    marker = ms.new_marker()
    proc = run_program(project, ms.build_payload(dm.script_config(params, marker, True)))
    assert proc.returncode == 0, proc.stderr
    return dm.interpret(params, ms.extract_sections(proc.stdout, marker), True, 0, proc.stderr)


@pytest.fixture(scope="module")
def changes(project):
    """{migration: [schema change entries]} of the pending plan."""
    out = planned(project, schema_changes=True)
    return {record["migration"]: record["schema_changes"] for record in out["plan"]}


def test_without_the_option_the_plan_is_what_it_always_was(project):
    out = planned(project)
    pending = ["accounts.0002_changes", "accounts.0003_fresh", "accounts.0004_skipped"]
    assert [r["migration"] for r in out["plan"]] == pending
    assert all("schema_changes" not in r for r in out["plan"])
    assert out["applied"] == pending  # predicted


def test_every_operation_has_an_entry_in_order(changes):
    assert [e["index"] for e in changes["accounts.0002_changes"]] == list(range(14))
    assert [e["index"] for e in changes["accounts.0003_fresh"]] == list(range(11))
    assert not [e for c in changes.values() for e in c if e["kind"] == "unknown"]


def entry(changes, migration, index):
    return changes[f"accounts.{migration}"][index]


def test_remove_field_is_drop_column(changes):
    e = entry(changes, "0002_changes", 0)
    assert (e["kind"], e["model"], e["db_table"]) == (
        "drop_column",
        "accounts.Thing",
        "accounts_thing",
    )
    assert (e["columns"], e["field"], e["type"]) == (["legacy"], "legacy", "RemoveField")


def test_rename_field_is_rename_column(changes):
    e = entry(changes, "0002_changes", 1)
    assert e["kind"] == "rename_column"
    assert (e["old_column"], e["new_column"], e["columns"]) == ("name", "title", ["name"])


def test_alter_field_type_change_has_both_database_types(changes):
    e = entry(changes, "0002_changes", 2)
    assert (e["kind"], e["kinds"]) == ("alter_column_type", ["alter_column_type"])
    assert (e["old_db_type"], e["new_db_type"]) == ("varchar(5)", "integer")
    assert (e["null_before"], e["null_after"], e["columns"]) == (False, False, ["code"])


def test_add_field_not_null_with_a_default_leaves_no_database_default(changes):
    e = entry(changes, "0002_changes", 3)
    assert e["kind"] == "add_not_null_column_without_db_default"
    assert (e["null"], e["db_default"], e["table_exists"]) == (False, False, True)
    assert (e["columns"], e["db_table"]) == (["required"], "accounts_thing")


def test_add_field_nullable_is_add_column(changes):
    e = entry(changes, "0002_changes", 4)
    assert (e["kind"], e["null"], e["table_exists"]) == ("add_column", True, True)


def test_delete_model_is_drop_table(changes):
    e = entry(changes, "0002_changes", 5)
    assert (e["kind"], e["model"], e["db_table"], e["tables"]) == (
        "drop_table",
        "accounts.Gone",
        "accounts_gone",
        ["accounts_gone"],
    )


def test_rename_model_and_alter_model_table_are_rename_table(changes):
    renamed = entry(changes, "0002_changes", 6)
    assert (renamed["kind"], renamed["model"]) == ("rename_table", "accounts.Old")
    assert (renamed["old_table"], renamed["new_table"]) == ("accounts_old", "accounts_renamed")
    assert renamed["new_model"] == "accounts.Renamed"
    table = entry(changes, "0002_changes", 7)
    assert (table["kind"], table["old_table"], table["new_table"]) == (
        "rename_table",
        "accounts_tab",
        "custom_tab",
    )


def test_add_index_names_the_column_the_rename_before_it_made(changes):
    e = entry(changes, "0002_changes", 8)
    assert (e["kind"], e["columns"], e["index_name"]) == ("add_index", ["title"], "thing_title_idx")
    assert (e["table_exists"], e["concurrently"]) == (True, False)


def test_alter_field_null_to_not_null_is_set_not_null(changes):
    e = entry(changes, "0002_changes", 9)
    assert (e["kind"], e["kinds"]) == ("set_not_null", ["set_not_null"])
    assert (e["null_before"], e["null_after"]) == (True, False)
    assert e["old_db_type"] == e["new_db_type"] == "varchar(20)"


def test_run_sql_and_run_python(changes):
    sql = entry(changes, "0002_changes", 10)
    assert (sql["kind"], sql["sql"]) == ("run_sql", "SELECT 1")
    assert entry(changes, "0002_changes", 11)["kind"] == "run_python"


def test_state_only_operations_change_no_column(changes):
    e = entry(changes, "0002_changes", 13)
    assert (e["kind"], e["type"]) == ("other", "SeparateDatabaseAndState")
    assert "state only" in e["reason"]


def test_a_table_the_plan_creates_is_not_an_existing_table(changes):
    created = entry(changes, "0003_fresh", 0)
    assert (created["kind"], created["tables"]) == ("create_table", ["accounts_fresh"])
    index = entry(changes, "0003_fresh", 1)
    assert (index["kind"], index["table_exists"]) == ("add_index", False)
    added = entry(changes, "0003_fresh", 2)
    assert (added["kind"], added["table_exists"]) == (
        "add_not_null_column_without_db_default",
        False,
    )
    wider = entry(changes, "0003_fresh", 3)
    assert (wider["old_db_type"], wider["new_db_type"]) == ("varchar(9)", "varchar(50)")


def test_foreign_keys_constraints_and_nested_database_operations(changes):
    fk = entry(changes, "0003_fresh", 5)
    assert fk["kinds"] == ["add_column", "add_foreign_key", "add_index"]
    assert (fk["columns"], fk["new_db_type"], fk["null"]) == (["tag_id"], "integer", True)
    unique = entry(changes, "0003_fresh", 6)
    assert (unique["kind"], unique["columns"], unique["table_exists"]) == (
        "add_unique",
        ["v"],
        False,
    )
    together = entry(changes, "0003_fresh", 7)
    assert (together["kind"], together["columns"], together["db_table"]) == (
        "add_unique",
        ["label"],
        "accounts_tag",
    )
    check = entry(changes, "0003_fresh", 8)
    assert (check["kind"], check["constraint"], check["table_exists"]) == (
        "add_check",
        "thing_code_positive",
        True,
    )
    nested = entry(changes, "0003_fresh", 9)
    assert (nested["kind"], nested["nested_in"], nested["type"]) == (
        "rename_table",
        "SeparateDatabaseAndState",
        "AlterModelTable",
    )
    assert (nested["old_table"], nested["new_table"]) == ("accounts_fresh", "fresh_table")
    # fresh_table is still the table this plan created, under its new name
    renamed = entry(changes, "0003_fresh", 10)
    assert (renamed["db_table"], renamed["table_exists"]) == ("fresh_table", False)


def test_operations_django_runs_no_sql_for_change_nothing(changes):
    skipped = changes["accounts.0004_skipped"]
    assert [(e["index"], e["kind"]) for e in skipped] == [(i, "other") for i in range(7)]
    reasons = [e["reason"] for e in skipped]
    assert all(r.startswith("Django leaves the database alone: accounts.") for r in reasons)
    assert "accounts.Seen is a proxy model" in reasons[0] and "proxy" in reasons[1]
    assert all("unmanaged model (managed = False)" in r for r in reasons[2:])


def test_a_proxy_model_is_not_a_table_the_plan_creates(project):
    """Were the proxy's CreateModel taken for a create_table of accounts_thing, a NOT NULL
    column added to accounts_thing afterwards would look like one on a new table."""
    plan = planned(project, schema_changes=True)["plan"]
    proxy = next(r for r in plan if r["migration"] == "accounts.0004_skipped")
    assert "tables" not in proxy["schema_changes"][0]
    assert proxy["schema_changes"][0]["db_table"] is None


# --- django_models_info: what the running release's models use ---------------------------------


@pytest.fixture(scope="module")
def running(project, collections_root):
    """django_models_info's result for the project (runner local), run as Ansible runs it."""
    python, root = project
    args = root / "models_info_args.json"
    module_args = {
        "runner": "local",
        "chdir": str(root),
        "manage_py": "manage.py",
        "python": python,
    }
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ansible_collections.accreditrack.ops.plugins.modules.django_models_info",
            str(args),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(collections_root)),
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_models_info_lists_every_concrete_model_with_its_table_and_columns(running):
    assert running["changed"] is False
    assert running["django_version"].startswith(("3.", "4.", "5.", "6."))
    by_label = {m["label"]: m for m in running["models"]}
    assert sorted(by_label) == [
        "accounts.Gone",
        "accounts.Old",
        "accounts.Tab",
        "accounts.Tag",
        "accounts.Thing",
        "accounts.Thing_tags",
    ]
    thing = by_label["accounts.Thing"]
    assert (thing["db_table"], thing["columns"]) == (
        "accounts_thing",
        ["id", "name", "legacy", "code", "note"],
    )
    assert {f["name"]: f["null"] for f in thing["fields"]}["note"] is True
    through = by_label["accounts.Thing_tags"]
    assert (through["db_table"], through["auto_created"]) == ("accounts_thing_tags", True)
    assert through["columns"] == ["id", "thing_id", "tag_id"]
    assert [f["column"] for f in through["fields"] if f["type"] == "ForeignKey"] == [
        "thing_id",
        "tag_id",
    ]


def test_models_info_leaves_out_proxies_and_reports_unmanaged_models_apart(running):
    assert "accounts.Seen" not in {m["label"] for m in running["models"] + running["unmanaged"]}
    assert [(m["label"], m["db_table"], m["columns"]) for m in running["unmanaged"]] == [
        ("accounts.Outside", "outside_view", ["id", "w"])
    ]


def test_models_info_fails_with_djangos_message_when_django_cannot_start(
    project, collections_root, tmp_path
):
    python, _root = project
    args = tmp_path / "args.json"
    module_args = {
        "runner": "local",
        "chdir": str(tmp_path),
        "manage_py": "manage.py",
        "python": python,
    }
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ansible_collections.accreditrack.ops.plugins.modules.django_models_info",
            str(args),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(collections_root)),
        check=False,
    )
    result = json.loads(proc.stdout)
    assert result["failed"] is True
    assert "Cannot read the models" in result["msg"] and "manage.py" in result["msg"]


# --- the review of the one against the other --------------------------------------------------


def test_the_review_of_the_real_plan_against_the_real_running_models(project, running):
    plan = planned(project, schema_changes=True)["plan"]
    result = rv.review(plan, running)
    got = sorted(
        (f["rule"], f["migration"].split(".")[1], f["table"], f["column"], f["model"], f["field"])
        for f in result["findings"]
    )
    changes, fresh = "0002_changes", "0003_fresh"
    thing = "accounts_thing"
    assert got == sorted(
        [
            (rv.DROP_COLUMN, changes, thing, "legacy", "accounts.Thing", "legacy"),
            (rv.LOSES_COLUMN, changes, thing, "legacy", None, None),
            (rv.RENAME_COLUMN, changes, thing, "name", "accounts.Thing", "name"),
            (rv.ALTER_COLUMN_TYPE, changes, thing, "code", "accounts.Thing", "code"),
            (rv.ADD_NOT_NULL_COLUMN, changes, thing, "required", "accounts.Thing", None),
            (rv.DROP_TABLE, changes, "accounts_gone", None, "accounts.Gone", None),
            (rv.LOSES_TABLE, changes, "accounts_gone", None, None, None),
            (rv.RENAME_TABLE, changes, "accounts_old", None, "accounts.Old", None),
            (rv.RENAME_TABLE, changes, "accounts_tab", None, "accounts.Tab", None),
            (rv.SET_NOT_NULL, changes, thing, "note", "accounts.Thing", "note"),
            (rv.IRREVERSIBLE, changes, None, None, None, None),
            # spare: v1's code no longer uses it - its data is lost, v1 is not broken
            (rv.LOSES_COLUMN, changes, thing, "spare", None, None),
        ]
    )
    # No false alarm: the nullable column, the index, the new table with its index and NOT NULL
    # column, the widened column v1 uses, RunSQL, the state-only removal, 0003 as a whole.
    assert not [f for f in result["findings"] if f["migration"] == f"accounts.{fresh}"]
    decision = rv.decide(result, "fail")
    assert decision["action"] == "refuse"
    assert decision["message"].count("\n") == len(result["findings"])


def test_the_review_allows_a_reviewed_migration_and_then_proceeds(project, running):
    plan = planned(project, schema_changes=True)["plan"]
    result = rv.review(plan, running, allow=["accounts.0002_changes"])
    assert result["findings"] == [] and len(result["allowed"]) == 12
    assert rv.decide(result, "fail")["action"] == "proceed"
