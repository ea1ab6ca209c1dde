#!/usr/bin/env python3
"""The migration safety review side by side with squawk and django-migration-linter, on the
example's migrations and on the real release histories of third-party apps (issue 13).

For every pair of real releases OLD -> NEW in ``PAIRS`` this script

1. creates (once) a virtual environment per release under ``--workdir`` (default
   ``/tmp/review-compare``, never inside the repository) with that release, the pinned Django,
   psycopg2 and django-migration-linter, and installs squawk there with npm;
2. creates a fresh database in a throw-away PostgreSQL container (a local image, default
   ``accreditrack-db:17``; the container's name ends in ``-compare`` and it is removed at the
   end) and migrates it with OLD installed - the database of a deployment that runs OLD;
3. with OLD still installed, runs the django_models_info program (what the running release's
   models use) - before anything is upgraded, as the migrate role will;
4. with NEW installed, on the same database: the django_migrate program in check mode with
   ``schema_changes`` (the pending plan), then the review (``_migration_review.review``) of the
   plan against OLD's models; ``sqlmigrate`` of every pending migration, fed to squawk; and
   ``lintmigrations APP MIGRATION`` of django-migration-linter for each;
5. writes every result as JSON under the workdir and, with ``--write``, the tables between the
   ``generated`` markers of ``tests/review_compare/RESULTS.md`` (the analysis outside them is
   written by hand).

The programs are the collection's own (``django_migrate.script_config`` + ``interpret``,
``_models_script.MODELS_SCRIPT``), run with ``manage.py shell -c BOOTSTRAP`` exactly as the
modules run them (runner local), without Ansible.

Usage (from the repository root, after ``source scripts/lib.sh``; needs Docker, PyPI and npm)::

    python3 tests/review_compare/review_compare.py                    # every app
    python3 tests/review_compare/review_compare.py --app taggit --write

It prints one line per pair and migration, and exits 1 when a pair could not be run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ansible_collections.accreditrack.ops.plugins.module_utils import _migrate_script as ms
from ansible_collections.accreditrack.ops.plugins.module_utils import _migration_review as rv
from ansible_collections.accreditrack.ops.plugins.module_utils import _models_script as mo
from ansible_collections.accreditrack.ops.plugins.modules import django_migrate as dm
from ansible_collections.accreditrack.ops.plugins.modules import django_models_info as dmi

# The throw-away database of the lock-targets parity harness (tests/parity), not a copy of it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "parity"))
from lock_targets_parity import Database as ThrowawayDatabase

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "review_compare" / "RESULTS.md"
BEGIN, END = "<!-- BEGIN generated -->", "<!-- END generated -->"

PY310 = "/root/.pyenv/versions/3.10.13/bin/python"
PY311 = "/root/.pyenv/versions/3.11.7/bin/python"
PSYCOPG2 = "psycopg2-binary==2.9.10"
LINTER = "django-migration-linter==5.1.0"
SQUAWK = "squawk-cli@2.66.0"

# Django release -> (python, pin)
DJANGO = {
    "3.2": (PY310, "Django==3.2.25"),
    "4.2": (PY311, "Django==4.2.30"),
}


@dataclass
class App:
    """A third-party app: its PyPI requirement (with {v}), its INSTALLED_APPS per release."""

    requirement: str
    installed: object  # callable(version) -> [INSTALLED_APPS entries]
    pairs: list  # [(old version or None, new version, Django release)]
    extra: object = lambda v: []  # callable(version) -> more requirements


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _allauth_apps(version: str) -> list[str]:
    apps = ["allauth", "allauth.account", "allauth.socialaccount"]
    if _v(version) >= (0, 58):
        apps.append("allauth.mfa")
    if _v(version) >= (0, 61):
        apps.append("allauth.usersessions")
    return apps


APPS: dict[str, App] = {
    "taggit": App(
        "django-taggit=={v}",
        lambda v: ["taggit"],
        [
            (None, "1.5.1", "3.2"),
            ("1.5.1", "3.0.0", "3.2"),
            ("3.0.0", "6.1.0", "4.2"),
        ],
    ),
    "allauth": App(
        "django-allauth[mfa,socialaccount]=={v}",
        _allauth_apps,
        [
            (None, "0.50.0", "3.2"),
            ("0.50.0", "0.58.2", "3.2"),
            ("0.58.2", "0.63.6", "4.2"),
            ("0.63.6", "65.22.1", "4.2"),
        ],
    ),
    "celery-beat": App(
        "django-celery-beat=={v}",
        lambda v: ["django_celery_beat"],
        [
            (None, "1.1.1", "3.2"),
            ("1.1.1", "1.5.0", "3.2"),
            ("1.5.0", "2.0.0", "3.2"),
            ("2.0.0", "2.2.1", "3.2"),
            ("2.2.1", "2.5.0", "3.2"),
            ("2.5.0", "2.9.0", "4.2"),
        ],
        # 1.5.0's wheel does not declare celery (its models import celery.five: celery 4)
        lambda v: ["celery<5"] if _v(v) < (2,) else [],
    ),
    "filer": App(
        "django-filer=={v}",
        lambda v: (
            ["django.contrib.admin", "easy_thumbnails", "filer"]
            + (["mptt"] if _v(v) < (3,) else [])
        ),
        [
            (None, "2.2.8", "3.2"),
            ("2.2.8", "3.0.6", "3.2"),
            ("3.0.6", "3.3.3", "4.2"),
            ("3.3.3", "3.6.0", "4.2"),
        ],
    ),
}

# The example backend's releases: (old release or None, new release), Django 4.2 (Debian's).
EXAMPLE_PAIRS = [(None, "v1"), ("v1", "v2"), ("v2", "v3"), ("v2", "v4"), ("v2", "v5")]

SETTINGS = """\
import importlib.util
import os

SECRET_KEY = "review-compare"
USE_TZ = True
SITE_ID = 1
ROOT_URLCONF = "urls"
APPS = [a for a in os.environ.get("COMPARE_APPS", "").split(",") if a]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sites",
    "django.contrib.sessions",
    "django.contrib.messages",
] + APPS
if importlib.util.find_spec("django_migration_linter"):
    INSTALLED_APPS.append("django_migration_linter")
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
if "allauth.account" in APPS and importlib.util.find_spec("allauth.account.middleware"):
    MIDDLEWARE.append("allauth.account.middleware.AccountMiddleware")
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
SILENCED_SYSTEM_CHECKS = ["models.W042"]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": os.environ["COMPARE_DB_NAME"],
    "USER": "postgres",
    "PASSWORD": "compare",
    "HOST": "127.0.0.1",
    "PORT": os.environ["COMPARE_DB_PORT"],
}}
"""

MANAGE = """\
#!/usr/bin/env python
import os, sys
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""


def run(argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs)


def ensure_venv(workdir: Path, key: str, python: str, requirements: list[str]) -> Path:
    venv = workdir / "venv" / key
    done = venv / ".complete"
    if not done.exists() or done.read_text() != "\n".join(requirements) + "\n":
        shutil.rmtree(venv, ignore_errors=True)
        run([python, "-m", "venv", str(venv)])
        find_links = ["--find-links", str(workdir / "wheels")]
        (workdir / "wheels").mkdir(exist_ok=True)
        run([str(venv / "bin" / "pip"), "install", "-q", *find_links, *requirements])
        (venv / ".complete").write_text("\n".join(requirements) + "\n")
    return venv / "bin" / "python"


def ensure_squawk(workdir: Path) -> Path:
    squawk = workdir / "npm" / "node_modules" / ".bin" / "squawk"
    if not squawk.exists():
        run(["npm", "install", "--prefix", str(workdir / "npm"), SQUAWK])
    return squawk


class Database(ThrowawayDatabase):
    """A throw-away PostgreSQL container on the loopback interface (name ends in -compare): the
    parity harness's, with this harness's name and password."""

    def __init__(self, image: str, port: int) -> None:
        super().__init__(image, port, name=f"review-{os.getpid()}-compare", password="compare")

    def version(self) -> str:
        return run(
            ["docker", "exec", self.name, "psql", "-XAtU", "postgres", "-c", "SHOW server_version"]
        ).stdout.strip()

    def fresh(self, database: str) -> None:
        for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
            run(["docker", "exec", self.name, "psql", "-XqU", "postgres", "-c", sql])


@dataclass
class Side:
    """One release's way to run manage.py: its python, project directory, manage.py, env."""

    python: Path
    cwd: Path
    manage: str
    env: dict

    def manage_py(self, *args: str, stdin: str | None = None, check: bool = True):
        proc = subprocess.run(
            [str(self.python), self.manage, *args],
            input=stdin,
            text=True,
            capture_output=True,
            cwd=self.cwd,
            env=dict(os.environ, **self.env),
            check=False,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
        return proc


def running_models(old: Side) -> dict:
    """django_models_info's program, as the module runs it (result keys of the module)."""
    marker = ms.new_marker()
    proc = old.manage_py(
        "shell",
        "-c",
        ms.BOOTSTRAP,
        stdin=ms.build_payload(mo.models_config(marker), mo.MODELS_SCRIPT),
        check=False,
    )
    return dmi.interpret(proc.stdout, marker, proc.returncode, proc.stderr)


def planned(new: Side) -> dict:
    """django_migrate's check-mode result with schema_changes (nothing applied)."""
    params = {"retries": 0, "retry_delay": 0, "lock_timeout": None, "schema_changes": True}
    marker = ms.new_marker()
    payload = ms.build_payload(dm.script_config(params, marker, True))
    proc = new.manage_py("shell", "-c", ms.BOOTSTRAP, stdin=payload, check=False)
    return dm.interpret(
        params, ms.extract_sections(proc.stdout, marker), True, proc.returncode, proc.stderr
    )


_LINT_LINE = re.compile(r"^\((\S+), (\S+)\)\.\.\.\s*(\S+)")


def lint(new: Side, label: str, name: str) -> dict:
    """django-migration-linter's verdict (OK, WARNING, ERR, IGNORE) and its messages."""
    proc = new.manage_py("lintmigrations", label, name, "--no-cache", check=False)
    verdict, messages = None, []
    for line in proc.stdout.splitlines():
        match = _LINT_LINE.match(line.strip())
        if match:
            verdict = match[3]
        elif line.startswith("*** Summary"):
            break
        elif verdict and line.strip():
            messages.append(line.strip())
    if verdict is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        verdict = "not linted" if proc.returncode == 0 else f"failed (rc={proc.returncode})"
        messages.append(tail[-1] if tail else "no output")
    return {"verdict": verdict, "messages": messages, "output": proc.stdout[-4000:]}


def squawk_rules(squawk: Path, sql_file: Path, pg_version: str) -> list[dict]:
    proc = subprocess.run(
        [str(squawk), "--reporter", "json", f"--pg-version={pg_version}", str(sql_file)],
        text=True,
        capture_output=True,
        check=False,
    )
    try:
        return json.loads(proc.stdout or "[]")
    except ValueError:
        return [{"rule_name": f"(squawk failed: {proc.stderr.strip()[-200:]})"}]


def compare_pair(tag: str, old: Side, new: Side, db: Database, squawk: Path, workdir: Path) -> dict:
    """Migrate with OLD, read its models, plan with NEW, review, sqlmigrate+squawk, lint."""
    old.manage_py("migrate", "-v", "0")
    running = running_models(old)
    plan = planned(new)["plan"]
    review = rv.review(plan, running)
    sql_dir = workdir / "sql" / tag
    shutil.rmtree(sql_dir, ignore_errors=True)
    sql_dir.mkdir(parents=True)
    rows = []
    pg = db.version().split()[0]
    for record in plan:
        if record.get("backwards"):
            continue
        label, name = record["migration"].split(".", 1)
        sql = new.manage_py("sqlmigrate", label, name, check=False)
        sql_file = sql_dir / f"{label}.{name}.sql"
        sql_file.write_text(sql.stdout if sql.returncode == 0 else "-- sqlmigrate failed\n")
        found = [f for f in review["findings"] if f["migration"] == record["migration"]]
        rows.append(
            {
                "migration": record["migration"],
                "operations": [o.get("description") for o in record.get("operations") or ()],
                "schema_changes": record["schema_changes"],
                "ours": found,
                "squawk": squawk_rules(squawk, sql_file, pg),
                "lint": lint(new, label, name),
            }
        )
        print(
            f"  {record['migration']:70} ours={sorted({f['rule'] for f in found})} "
            f"squawk={sorted({s['rule_name'] for s in rows[-1]['squawk']})} "
            f"lint={rows[-1]['lint']['verdict']}"
        )
    return {"rows": rows, "running_django": running.get("django_version")}


def app_venv(workdir: Path, name: str, app: App, version: str, django: str) -> Path:
    """The python of a venv with VERSION of APP, Django DJANGO, psycopg2 and the linter."""
    python, pin = DJANGO[django]
    requirements = [pin, PSYCOPG2, LINTER, app.requirement.format(v=version), *app.extra(version)]
    return ensure_venv(workdir, f"{name}-{version}-dj{django}", python, requirements)


def third_party(name: str, app: App, db: Database, squawk: Path, workdir: Path) -> list[dict]:
    proj = workdir / "proj" / name
    proj.mkdir(parents=True, exist_ok=True)
    (proj / "settings.py").write_text(SETTINGS)
    (proj / "urls.py").write_text("urlpatterns = []\n")
    (proj / "manage.py").write_text(MANAGE)
    results = []
    for old_v, new_v, django in app.pairs:
        tag = f"{name}-{old_v or 'none'}-{new_v}"
        database = re.sub(r"[^a-z0-9]", "_", tag.lower())
        print(f"{tag} (Django {django})")
        # the release's apps; an app only NEW installs stays out (neither release was deployed
        # with it), one NEW no longer needs (filer 3 drops mptt) goes
        apps = app.installed(new_v)
        if old_v is not None:
            old_apps = app.installed(old_v)
            apps = [a for a in apps if a in old_apps]
        env = {"COMPARE_DB_NAME": database, "COMPARE_DB_PORT": str(db.port)}
        new = Side(
            app_venv(workdir, name, app, new_v, django),
            proj,
            "manage.py",
            dict(env, COMPARE_APPS=",".join(apps)),
        )
        if old_v is None:
            old = Side(new.python, proj, "manage.py", dict(env, COMPARE_APPS=""))
        else:
            old = Side(
                app_venv(workdir, name, app, old_v, django),
                proj,
                "manage.py",
                dict(env, COMPARE_APPS=",".join(app.installed(old_v))),
            )
        db.fresh(database)
        versions = {
            "old": old_v,
            "new": new_v,
            "django": run(
                [str(new.python), "-c", "import django; print(django.get_version())"]
            ).stdout.strip(),
            "installed_apps": apps,
        }
        try:
            out = compare_pair(tag, old, new, db, squawk, workdir)
        except Exception as exc:  # a pair that cannot run is reported, the others go on
            print(f"  FAILED: {exc}")
            out = {"error": str(exc), "rows": []}
        results.append({"app": name, "tag": tag, **versions, **out})
    return results


def example(db: Database, squawk: Path, workdir: Path) -> list[dict]:
    python, pin = DJANGO["4.2"]
    venv = ensure_venv(workdir, "example-dj4.2", python, [pin, PSYCOPG2, LINTER])
    backend = ROOT / "example" / "backend"
    results = []
    for old_r, new_r in EXAMPLE_PAIRS:
        tag = f"example-{old_r or 'none'}-{new_r}"
        database = re.sub(r"[^a-z0-9]", "_", tag)
        print(f"{tag} (Django 4.2)")
        env = {
            "DJANGO_SECRET_KEY": "review-compare",
            "POSTGRES_DB": database,
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "compare",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(db.port),
        }
        sides = {}
        for role, release in (("old", old_r), ("new", new_r)):
            tree = workdir / "proj" / f"{tag}-{role}"
            shutil.rmtree(tree, ignore_errors=True)
            if release is None:
                continue
            shutil.copytree(backend / "src", tree)
            run(["sh", str(backend / "releases" / "apply.sh"), release, str(tree)])
            if role == "new":
                with open(tree / "config" / "release_apps.txt", "a") as handle:
                    handle.write("django_migration_linter\n")
            sides[role] = Side(venv, tree, "config/manage.py", env)
        new = sides["new"]
        old = sides.get("old")
        if old is None:  # nothing of the app installed yet: Django's own apps only
            tree = workdir / "proj" / f"{tag}-old"
            shutil.copytree(backend / "src", tree)
            run(["sh", str(backend / "releases" / "apply.sh"), "v1", str(tree)])
            (tree / "config" / "release_apps.txt").write_text("")
            old = Side(venv, tree, "config/manage.py", env)
        db.fresh(database)
        try:
            out = compare_pair(tag, old, new, db, squawk, workdir)
        except Exception as exc:
            print(f"  FAILED: {exc}")
            out = {"error": str(exc), "rows": []}
        results.append(
            {"app": "example", "tag": tag, "old": old_r, "new": new_r, "django": "4.2.30", **out}
        )
    return results


# --- the Markdown tables ------------------------------------------------------------------


def _ours_cell(row: dict) -> str:
    cells = []
    for f in row["ours"]:
        where = f["table"] + (f".{f['column']}" if f.get("column") else "") if f["table"] else ""
        cells.append(f"`{f['rule']}`" + (f" {where}" if where else ""))
    return "<br>".join(cells) or "-"


def _squawk_cell(row: dict) -> str:
    counts: dict[str, int] = {}
    for s in row["squawk"]:
        counts[s["rule_name"]] = counts.get(s["rule_name"], 0) + 1
    return (
        "<br>".join(f"`{r}`" + (f" x{n}" if n > 1 else "") for r, n in sorted(counts.items()))
        or "-"
    )


def _lint_cell(row: dict) -> str:
    lint_ = row["lint"]
    text = lint_["verdict"]
    if lint_["messages"]:
        text += ": " + "; ".join(dict.fromkeys(m.replace("|", "\\|") for m in lint_["messages"]))
    return text


def markdown(results: list[dict], squawk_version: str, pg_version: str) -> str:
    lines = [
        f"Generated by `tests/review_compare/review_compare.py` ({time.strftime('%Y-%m-%d')}): "
        f"squawk {squawk_version}, {LINTER.replace('==', ' ')}, PostgreSQL {pg_version}, "
        f"{PSYCOPG2.replace('==', ' ')}. Squawk's `require-lock-timeout` and "
        "`require-statement-timeout` (on every DDL statement: the collection sets both in "
        "PGOPTIONS) are left out of the tables.",
        "",
    ]
    for result in results:
        title = (
            f"### {result['app']}: {result['old'] or '(not installed)'} -> {result['new']} "
            f"(Django {result['django']})"
        )
        lines += [title, ""]
        if result.get("error"):
            lines += [f"Could not be run: `{result['error'][:300]}`", ""]
            continue
        if not result["rows"]:
            lines += ["Nothing pending (the new release's migrations are all applied already).", ""]
            continue
        lines += [
            "| migration | ours | squawk | django-migration-linter |",
            "| --- | --- | --- | --- |",
        ]
        for row in result["rows"]:
            lines.append(
                f"| `{row['migration']}` | {_ours_cell(row)} | {_squawk_cell(row)} | "
                f"{_lint_cell(row)} |"
            )
        lines.append("")
    return "\n".join(lines)


IGNORED_SQUAWK = {"require-lock-timeout", "require-statement-timeout"}


def write_results(results: list[dict], squawk_version: str, pg_version: str) -> None:
    for result in results:
        for row in result["rows"]:
            row["squawk"] = [s for s in row["squawk"] if s["rule_name"] not in IGNORED_SQUAWK]
    text = RESULTS.read_text() if RESULTS.exists() else f"# Review compare\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    RESULTS.write_text(
        head + BEGIN + "\n" + markdown(results, squawk_version, pg_version) + "\n" + END + tail
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--app", action="append", choices=[*APPS, "example"])
    parser.add_argument("--workdir", default="/tmp/review-compare", type=Path)
    parser.add_argument("--image", default="accreditrack-db:17")
    parser.add_argument("--port", default=55442, type=int)
    parser.add_argument("--write", action="store_true", help="write the tables to RESULTS.md")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    squawk = ensure_squawk(args.workdir)
    squawk_version = run([str(squawk), "--version"]).stdout.split()[-1]
    results: list[dict] = []
    with Database(args.image, args.port) as db:
        pg_version = db.version().split()[0]
        for name in args.app or ["example", *APPS]:
            if name == "example":
                results += example(db, squawk, args.workdir)
            else:
                results += third_party(name, APPS[name], db, squawk, args.workdir)
    (args.workdir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    if args.write:
        write_results(results, squawk_version, pg_version)
    failed = [r["tag"] for r in results if r.get("error")]
    print("compare: done" + (f"; could not run: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
