# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""django_migrate's program in a real Django (SQLite), killed by SIGKILL inside a non-atomic
migration: the host names that migration, not atomic, killed. Skipped where Django is missing
(ACCREDITRACK_DJANGO_PYTHON may name a Python that has it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _migrate_script as ms
from ansible_collections.accreditrack.ops.plugins.modules import django_migrate as dm

MIGRATIONS = {
    "0001_initial.py": """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            "Thing",
            [("id", models.AutoField(primary_key=True)), ("name", models.CharField(max_length=9))],
        )
    ]
""",
    "0002_fill.py": """
import os
import signal

from django.db import migrations


def fill(apps, schema_editor):
    apps.get_model("accounts", "Thing").objects.create(name="half")
    if os.environ.get("KILL_MID_MIGRATION"):
        os.kill(os.getpid(), signal.SIGKILL)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
""",
}


def _django_python() -> str | None:
    for candidate in (os.environ.get("ACCREDITRACK_DJANGO_PYTHON"), sys.executable):
        if candidate and (shutil.which(candidate) or Path(candidate).exists()):
            probe = subprocess.run([candidate, "-c", "import django"], capture_output=True)
            if probe.returncode == 0:
                return candidate
    return None


def _project(root: Path) -> Path:
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
    (root / "accounts" / "migrations" / "__init__.py").write_text("")
    (root / "accounts" / "models.py").write_text(
        "from django.db import models\n\n\nclass Thing(models.Model):\n"
        "    name = models.CharField(max_length=9)\n"
    )
    for name, text in MIGRATIONS.items():
        (root / "accounts" / "migrations" / name).write_text(text.lstrip())
    return root


def test_a_migration_killed_mid_way_in_real_django_is_named_non_atomic_and_killed(tmp_path):
    python = _django_python()
    if python is None:
        pytest.skip("no Python with Django (set ACCREDITRACK_DJANGO_PYTHON)")
    root = _project(tmp_path)
    params = {"retries": 0, "retry_delay": 0, "lock_timeout": None}
    marker = ms.new_marker()
    proc = subprocess.run(
        [python, "manage.py", "shell", "-c", ms.BOOTSTRAP],
        input=ms.build_payload(dm.script_config(params, marker, False)),
        capture_output=True,
        text=True,
        cwd=root,
        env=dict(os.environ, KILL_MID_MIGRATION="1"),
        check=False,
    )
    assert proc.returncode == -9, proc.stderr
    sections = ms.extract_sections(proc.stdout, marker)
    with pytest.raises(dm.MigrateError) as caught:
        dm.interpret(params, sections, False, proc.returncode, proc.stderr)
    error = caught.value.result["error"]
    assert error["migration"] == "accounts.0002_fill"
    assert (error["atomic"], error["killed"], error["rc"]) == (False, True, -9)
    assert caught.value.result["applied"] == ["accounts.0001_initial"]
    assert "accounts.0002_fill is not atomic and may be partly applied" in caught.value.msg
