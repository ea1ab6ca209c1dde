# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""django_models_info's in-Django program: its input and the reading of its output (the real
Django run is in tests/unit/plugins/modules/test_migration_review_django.py)."""

from __future__ import annotations

import ast
import json

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _migrate_script as ms
from ansible_collections.accreditrack.ops.plugins.module_utils import _models_script as mo
from ansible_collections.accreditrack.ops.plugins.modules import django_models_info as dmi


def test_models_script_compiles_for_python_3_8_and_shares_the_section_helpers():
    ast.parse(mo.MODELS_SCRIPT, feature_version=(3, 8))
    assert ms.SECTION_HELPERS in mo.MODELS_SCRIPT
    assert ms.SECTION_HELPERS in ms.SCRIPT


def test_payload_is_config_then_the_models_program():
    payload = ms.build_payload(mo.models_config("@@m"), mo.MODELS_SCRIPT)
    assert payload.endswith(mo.MODELS_SCRIPT)
    assert json.loads(payload.split("\n")[1].split("json.loads(", 1)[1][1:-2]) == {"marker": "@@m"}
    assert ms.build_payload({"marker": "@@m"}).endswith(ms.SCRIPT)  # the default is unchanged


def framed(marker, text):
    return f"noise\n{marker} BEGIN models\n{text}\n{marker} END models\n"


def test_interpret_reads_the_models_section_only():
    doc = {"models": [{"label": "a.B"}], "unmanaged": [], "django_version": "4.2", "error": None}
    out = dmi.interpret(framed("@@m", json.dumps(doc)), "@@m", 0, "")
    assert out == {"models": [{"label": "a.B"}], "unmanaged": [], "django_version": "4.2"}


@pytest.mark.parametrize(
    ("stdout", "rc", "problem"),
    [
        pytest.param("", 1, "printed no result", id="no-section"),
        pytest.param("@@m BEGIN models\n{", -9, "printed no result", id="unterminated"),
        pytest.param(framed("@@m", "{not json"), 0, "not JSON", id="not-json"),
        pytest.param(
            framed("@@m", json.dumps({"error": {"type": "AppRegistryNotReady", "message": "x"}})),
            0,
            "AppRegistryNotReady: x",
            id="program-error",
        ),
        pytest.param(framed("@@m", json.dumps({"models": []})), 3, "rc=3", id="non-zero-rc"),
    ],
)
def test_interpret_fails_closed(stdout, rc, problem):
    with pytest.raises(mo.ModelsInfoError) as caught:
        dmi.interpret(stdout, "@@m", rc, "django.core.exceptions.ImproperlyConfigured: boom\n")
    assert problem in str(caught.value)
