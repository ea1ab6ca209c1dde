#!/usr/bin/env python3
"""Prove, on real Django releases and a real PostgreSQL, that django_migrate's ``lock_targets``
are what django_migration_tables finds with ``sqlmigrate`` for the same pending migrations.

For each Django release in ``RELEASES`` this script

1. creates a virtual environment under ``--workdir`` (default ``/tmp/lock-targets-parity``, never
   inside the repository) with that Django and psycopg2;
2. writes a throw-away project whose migrations cover what sqlmigrate has to get right:

   * ``shop``: ``0001``/``0002`` and a squash ``0001_squashed_0002_item_sku`` that replaces them
     (the originals are kept); ``0003`` RunSQL with params and a semicolon inside a quoted value;
     ``0004`` a non-atomic migration (``CREATE INDEX CONCURRENTLY``, no BEGIN/COMMIT); ``0005``
     RunPython; ``0006`` AlterField;
   * ``blog``: a foreign key to ``shop`` through a *replaced* migration (Django remaps it to the
     squash), a foreign key to itself, an operation without SQL (AlterModelOptions), a migration
     without operations (sqlmigrate prints nothing), a RunSQL that drops and creates a table;
   * ``legacy``: an app a database router keeps off the database (its SQL is comments only);

3. puts a fresh database into each state of ``STATES`` (a squash in use, a partly applied squash,
   no squash at all, pending migrations at the end of an app, only DDL pending, a table the plan
   creates that exists already) and runs, with the collection's own modules (runner ``local``),
   django_migrate in check mode with ``lock_targets: true`` and django_migration_tables for the
   forward steps of its plan;
4. checks that the SQL of every migration is the same text, that ``tables`` and ``created`` are
   equal, and that ``whole_database`` and ``reasons`` are equal too unless django_migrate added a
   conservative reason (a squash, a table that exists already), which it must do exactly in the
   states that have one.

Usage (from the repository root, after ``source scripts/lib.sh``; needs Docker for the database
and network access to the package index)::

    python3 tests/parity/lock_targets_parity.py                 # every release
    python3 tests/parity/lock_targets_parity.py --release 4.2   # only one

It prints one line per release and state, and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PY311 = "/root/.pyenv/versions/3.11.7/bin/python"
PY312 = "/root/.pyenv/versions/3.12.1/bin/python"
PSYCOPG2 = "psycopg2-binary==2.9.10"

# release -> (python, pinned requirements)
RELEASES: dict[str, tuple[str, list[str]]] = {
    "3.2": (PY311, ["Django==3.2.25", PSYCOPG2]),
    "4.0": (PY311, ["Django==4.0.10", PSYCOPG2]),
    "4.1": (PY311, ["Django==4.1.13", PSYCOPG2]),
    "4.2": (PY311, ["Django==4.2.30", PSYCOPG2]),
    "5.0": (PY311, ["Django==5.0.14", PSYCOPG2]),
    "5.1": (PY311, ["Django==5.1.15", PSYCOPG2]),
    "5.2": (PY311, ["Django==5.2.19", PSYCOPG2]),
    "6.0": (PY312, ["Django==6.0.10", PSYCOPG2]),
}

SQUASH = "0001_squashed_0002_item_sku"

# state -> (description, steps, conservative reasons expected (substrings, [] = exact parity)).
# A step is ("squash", "present"|"absent"), ("migrate", args...) or ("sql", statement).
STATES: dict[str, tuple[str, list[tuple[str, ...]], list[str]]] = {
    "fresh": (
        "nothing applied, the squash is in use",
        [("squash", "present")],
        [f"shop.{SQUASH}: a squash is involved (replaces shop.0001_initial, shop.0002_item_sku)"],
    ),
    "partial": (
        "shop.0001 applied before the squash existed: the squash is partly applied",
        [("squash", "absent"), ("migrate", "shop", "0001_initial"), ("squash", "present")],
        [f"shop.0002_item_sku: a squash is involved (replaced by shop.{SQUASH})"],
    ),
    "nosquash": ("nothing applied, no squash on disk", [("squash", "absent")], []),
    "tail": (
        "everything applied, then shop back to its squash: shop 0003..0006 pending",
        [("squash", "present"), ("migrate",), ("migrate", "shop", SQUASH)],
        [],
    ),
    "last": (
        "everything applied, then shop back to 0005: only the AlterField of 0006 pending",
        [("squash", "present"), ("migrate",), ("migrate", "shop", "0005_fill")],
        [],
    ),
    "precreated": (
        "no squash; a table the plan creates exists already (a partly applied migration)",
        [("squash", "absent"), ("sql", "CREATE TABLE shop_category (id int)")],
        ["shop_category: the plan creates it but it exists already"],
    ),
}

SETTINGS = """\
import os
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "parity-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "shop",
    "blog",
    "legacy",
]
MIDDLEWARE = []
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": os.environ["PARITY_DB_NAME"],
    "USER": os.environ["PARITY_DB_USER"],
    "PASSWORD": os.environ["PARITY_DB_PASSWORD"],
    "HOST": os.environ["PARITY_DB_HOST"],
    "PORT": os.environ["PARITY_DB_PORT"],
}}
DATABASE_ROUTERS = ["routers.KeepLegacyOff"]
"""

ROUTERS = """\
class KeepLegacyOff:
    def allow_migrate(self, db, app_label, **hints):
        return False if app_label == "legacy" else None
"""

MANAGE = """\
#!/usr/bin/env python
import os, sys
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""

HEAD = "from django.db import migrations, models\nimport django.db.models.deletion\n\n\n"

SHOP = {
    "0001_initial": """
class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(name="Category", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("name", models.CharField(max_length=50)),
        ]),
        migrations.CreateModel(name="Item", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("name", models.CharField(max_length=100)),
            ("category", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           to="shop.category")),
        ]),
    ]
""",
    "0002_item_sku": """
class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(model_name="item", name="sku",
                            field=models.CharField(default="", max_length=20)),
        migrations.AddIndex(model_name="item",
                            index=models.Index(fields=["sku"], name="shop_item_sku_idx")),
    ]
""",
    SQUASH: """
class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_item_sku")]
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(name="Category", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("name", models.CharField(max_length=50)),
        ]),
        migrations.CreateModel(name="Item", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("name", models.CharField(max_length=100)),
            ("category", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           to="shop.category")),
            ("sku", models.CharField(default="", max_length=20)),
        ], options={"indexes": [models.Index(fields=["sku"], name="shop_item_sku_idx")]}),
    ]
""",
    "0003_runsql_params": """
class Migration(migrations.Migration):
    dependencies = [("shop", "0002_item_sku")]
    operations = [
        migrations.RunSQL(
            [("UPDATE shop_item SET sku = %s WHERE sku = %s", ["n/a", ""])],
            reverse_sql=[("UPDATE shop_item SET sku = %s WHERE sku = %s", ["", "n/a"])],
        ),
        migrations.RunSQL("INSERT INTO shop_category (name) VALUES ('a;b')",
                          reverse_sql="DELETE FROM shop_category WHERE name = 'a;b'"),
    ]
""",
    "0004_concurrent_index": """
class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0003_runsql_params")]
    operations = [
        migrations.RunSQL(
            'CREATE INDEX CONCURRENTLY IF NOT EXISTS "shop_item_name_idx" ON "shop_item" ("name")',
            reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS "shop_item_name_idx"',
        ),
    ]
""",
    "0005_fill": """
def fill(apps, schema_editor):
    apps.get_model("shop", "Item").objects.filter(sku="").update(sku="-")


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_concurrent_index")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
""",
    "0006_longer_name": """
class Migration(migrations.Migration):
    dependencies = [("shop", "0005_fill")]
    operations = [
        migrations.AlterField(model_name="item", name="name",
                              field=models.CharField(max_length=200)),
    ]
""",
}

BLOG = {
    "0001_initial": """
class Migration(migrations.Migration):
    initial = True
    dependencies = [("shop", "0002_item_sku")]
    operations = [
        migrations.CreateModel(name="Post", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("title", models.CharField(max_length=100)),
            ("item", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                       to="shop.item")),
            ("parent", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                         to="blog.post")),
        ]),
    ]
""",
    "0002_ordering": """
class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]
    operations = [migrations.AlterModelOptions(name="post", options={"ordering": ["title"]})]
""",
    "0003_nothing": """
class Migration(migrations.Migration):
    dependencies = [("blog", "0002_ordering")]
    operations = []
""",
    "0004_archive": """
class Migration(migrations.Migration):
    dependencies = [("blog", "0003_nothing")]
    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS blog_archive; CREATE TABLE blog_archive (id int)",
            reverse_sql="DROP TABLE blog_archive",
        ),
    ]
""",
}

LEGACY = {
    "0001_initial": """
class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(name="Old", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
        ]),
    ]
""",
}

PLAYBOOK = """\
- name: Lock targets from django_migrate and from django_migration_tables
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Plan with the lock targets
      accreditrack.ops.django_migrate:
        runner: local
        chdir: "{{ proj }}"
        manage_py: manage.py
        virtualenv: "{{ venv }}"
        environment: "{{ db_env }}"
        lock_targets: true
      check_mode: true
      register: planned
    - name: The same with sqlmigrate
      accreditrack.ops.django_migration_tables:
        runner: local
        chdir: "{{ proj }}"
        manage_py: manage.py
        virtualenv: "{{ venv }}"
        environment: "{{ db_env }}"
        migrations: "{{ planned.plan | rejectattr('backwards') | map(attribute='migration')
                        | list }}"
      register: tables
    - name: Write both
      ansible.builtin.copy:
        content: "{{ {'planned': planned, 'tables': tables} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs)


def write_app(root: Path, app: str, migrations: dict[str, str]) -> None:
    (root / app / "migrations").mkdir(parents=True, exist_ok=True)
    (root / app / "__init__.py").write_text("")
    (root / app / "models.py").write_text("")
    (root / app / "migrations" / "__init__.py").write_text("")
    for name, body in migrations.items():
        (root / app / "migrations" / f"{name}.py").write_text(HEAD + body.lstrip("\n"))


def write_project(proj: Path) -> None:
    if proj.exists():
        shutil.rmtree(proj)
    proj.mkdir(parents=True)
    (proj / "settings.py").write_text(SETTINGS)
    (proj / "routers.py").write_text(ROUTERS)
    (proj / "manage.py").write_text(MANAGE)
    write_app(proj, "shop", SHOP)
    write_app(proj, "blog", BLOG)
    write_app(proj, "legacy", LEGACY)


def set_squash(proj: Path, present: bool) -> None:
    path = proj / "shop" / "migrations" / f"{SQUASH}.py"
    if present:
        path.write_text(HEAD + SHOP[SQUASH].lstrip("\n"))
    elif path.exists():
        path.unlink()
    shutil.rmtree(proj / "shop" / "migrations" / "__pycache__", ignore_errors=True)


class Database:
    """A throw-away PostgreSQL container on the loopback interface."""

    def __init__(
        self, image: str, port: int, name: str | None = None, password: str = "parity"
    ) -> None:
        self.name = name or f"lock-targets-parity-{os.getpid()}"
        self.image, self.port, self.password = image, port, password

    def __enter__(self) -> Database:
        run(
            [
                "docker",
                "run",
                "-d",
                "--rm",
                "--name",
                self.name,
                "-e",
                f"POSTGRES_PASSWORD={self.password}",
                "-p",
                f"127.0.0.1:{self.port}:5432",
                self.image,
            ]
        )
        for _ in range(60):
            ready = subprocess.run(
                ["docker", "exec", self.name, "pg_isready", "-q", "-h", "127.0.0.1"], check=False
            )
            if ready.returncode == 0:
                return self
            time.sleep(1)
        raise RuntimeError("the database did not start")

    def __exit__(self, *exc) -> None:
        subprocess.run(["docker", "rm", "-f", self.name], check=False, capture_output=True)

    def psql(self, database: str, sql: str) -> None:
        run(
            [
                "docker",
                "exec",
                self.name,
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                sql,
            ]
        )

    def env(self, database: str) -> dict[str, str]:
        return {
            "PARITY_DB_NAME": database,
            "PARITY_DB_USER": "postgres",
            "PARITY_DB_PASSWORD": self.password,
            "PARITY_DB_HOST": "127.0.0.1",
            "PARITY_DB_PORT": str(self.port),
        }


def compare(seen: dict, expected_extra: list[str]) -> list[str]:
    """The differences between the two modules' answers (empty: parity)."""
    planned, tables = seen["planned"], seen["tables"]
    problems = []
    if planned.get("failed") or tables.get("failed"):
        return [f"failed: {planned.get('msg') or tables.get('msg')}"]
    mine, sql = planned["lock_targets"], planned["lock_targets_sql"]
    if list(sql) != list(tables["sql"]):
        problems.append(f"labels differ: {list(sql)} != {list(tables['sql'])}")
    for label, text in tables["sql"].items():
        if sql.get(label) != text:
            problems.append(f"SQL of {label} differs:\n{sql.get(label)!r}\n{text!r}")
    for key in ("tables", "created"):
        if mine[key] != tables[key]:
            problems.append(f"{key}: {mine[key]} != {tables[key]}")
    extra = [reason for reason in mine["reasons"] if reason not in tables["reasons"]]
    if [r for r in tables["reasons"] if r not in mine["reasons"]]:
        problems.append(f"reasons missing: {tables['reasons']} vs {mine['reasons']}")
    for wanted in expected_extra:
        if not any(wanted in reason for reason in extra):
            problems.append(f"no conservative reason {wanted!r} in {extra}")
    if len(extra) != len(expected_extra):
        problems.append(f"unexpected conservative reasons {extra} (expected {expected_extra})")
    whole = tables["whole_database"] or bool(expected_extra)
    if mine["whole_database"] is not whole:
        problems.append(f"whole_database {mine['whole_database']} != {whole}")
    return problems


def check_release(release: str, workdir: Path, db: Database) -> bool:
    python, requirements = RELEASES[release]
    venv = workdir / f"venv-{release}"
    if not (venv / "bin" / "python").exists():
        run([python, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "-q", *requirements])
    version = run(
        [str(venv / "bin" / "python"), "-c", "import django; print(django.get_version())"]
    )
    ok = True
    for state, (description, steps, expected_extra) in STATES.items():
        proj = workdir / f"proj-{release}-{state}"
        write_project(proj)
        database = f"parity_{release.replace('.', '_')}_{state}"
        db.psql("postgres", f"DROP DATABASE IF EXISTS {database}")
        db.psql("postgres", f"CREATE DATABASE {database}")
        env = dict(os.environ, **db.env(database))
        for step in steps:
            if step[0] == "squash":
                set_squash(proj, step[1] == "present")
            elif step[0] == "sql":
                db.psql(database, step[1])
            else:
                run(
                    [str(venv / "bin" / "python"), "manage.py", "migrate", "-v", "0", *step[1:]],
                    cwd=proj,
                    env=env,
                )
        out = workdir / f"seen-{release}-{state}.json"
        play = workdir / "parity.yml"
        play.write_text(PLAYBOOK)
        extra_vars = {
            "proj": str(proj),
            "venv": str(venv),
            "out": str(out),
            "db_env": db.env(database),
            "ansible_python_interpreter": sys.executable,
        }
        done = subprocess.run(
            ["ansible-playbook", "-i", "localhost,", str(play), "-e", json.dumps(extra_vars)],
            check=False,
            text=True,
            capture_output=True,
        )
        if done.returncode != 0:
            problems = [f"ansible-playbook failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"]
        else:
            problems = compare(json.loads(out.read_text()), expected_extra)
        seen = json.loads(out.read_text()) if out.exists() else {}
        planned = seen.get("planned", {})
        steps_sql = len(planned.get("lock_targets_sql") or {})
        print(
            f"Django {version.stdout.strip():8} {state:10} {'OK  ' if not problems else 'DIFF'} "
            f"{steps_sql:3} migrations, whole_database="
            f"{(planned.get('lock_targets') or {}).get('whole_database')}  ({description})"
        )
        for problem in problems:
            print("    " + problem)
        ok = ok and not problems
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--release", action="append", choices=sorted(RELEASES))
    parser.add_argument("--workdir", default="/tmp/lock-targets-parity", type=Path)
    parser.add_argument("--image", default="accreditrack-db:17")
    parser.add_argument("--port", default=55432, type=int)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    ok = True
    with Database(args.image, args.port) as db:
        for release in args.release or sorted(
            RELEASES, key=lambda r: tuple(map(int, r.split(".")))
        ):
            ok = check_release(release, args.workdir, db) and ok
    print("parity: OK" if ok else "parity: DIFFERENCES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
