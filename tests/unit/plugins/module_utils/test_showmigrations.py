# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""showmigrations parser: real recorded outputs of Django 3.2-6.0, then hand-written edge cases.

The recorded cases live in tests/fixtures/showmigrations/, one ``<case>.txt`` (stdout exactly as
Django printed it) and one ``<case>.json`` (command, release, exit code, stderr excerpt, and the
expected result, which tests/fixtures/record_showmigrations.py computed from Django's own
MigrationLoader / MigrationRecorder, not from this parser).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils.showmigrations import (
    ShowmigrationsParseError,
    applied_set,
    parse_showmigrations,
    pending_by_app,
    strip_ansi,
    unrecorded_squashes,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "showmigrations"
RELEASES = ("3.2", "4.0", "4.1", "4.2", "5.0", "5.1", "5.2", "6.0")


def _load(case_json: Path) -> dict:
    meta = json.loads(case_json.read_text(encoding="utf-8"))
    with case_json.with_suffix(".txt").open(encoding="utf-8", newline="") as handle:
        meta["stdout"] = handle.read()
    return meta


CASES = [_load(path) for path in sorted(FIXTURES.glob("*.json"))]
OK_CASES = [case for case in CASES if case["rc"] == 0]
FAILED_CASES = [case for case in CASES if case["rc"] != 0]

COMPOSE_BEFORE = [
    "[+] Creating 1/1",
    " ✔ Container shop-db-1  Running",
    "[+] Running 1/1",
    " Container shop-db-1  Waiting",
    " Container shop-db-1  Healthy",
    "WARN[0000] Found orphan containers ([shop-old-1]) for this project. If you removed or "
    "renamed this service in your compose file, you can run this command with the "
    "--remove-orphans flag to clean it up.",
    'time="2024-05-01T10:00:00+02:00" level=warning msg="The \\"SECRET\\" variable is not set. '
    'Defaulting to a blank string."',
    "",
    "   ",
]
COMPOSE_AFTER = ["", " Container shop-web-run-3f2c1a9b0e4d  Stopped", "[+] Removing 1/0", ""]


def _ids(cases: list[dict]) -> list[str]:
    return [case["case"] for case in cases]


def test_every_release_was_recorded() -> None:
    recorded = {case["case"].split("__")[0] for case in CASES}
    assert recorded == {f"django-{release}" for release in RELEASES}
    for release in RELEASES:
        versions = {
            case["django"] for case in CASES if case["case"].startswith(f"django-{release}_")
        }
        assert len(versions) == 1 and versions.pop().startswith(release + ".")


def test_recordings_cover_the_interesting_states() -> None:
    text = "\n".join(case["stdout"] for case in OK_CASES)
    assert (
        " [-] 0001_squashed_0003_item_price (3 squashed migrations) Run 'manage.py migrate'" in text
    )
    assert "(3 squashed migrations)" in text and " (no migrations)" in text
    assert re.search(r"^\[X\]  \w+\.\w+ \.\.\. \(", text, re.MULTILINE)
    assert re.search(r"\(applied at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$", text, re.MULTILINE)
    assert "\x1b[" in text
    assert any(case["stdout"] == "(no migrations)\n" for case in OK_CASES)
    assert any("AttributeError" in case["stderr"] for case in FAILED_CASES)


@pytest.mark.parametrize("case", OK_CASES, ids=_ids(OK_CASES))
def test_recorded_output(case: dict) -> None:
    assert parse_showmigrations(case["stdout"]) == case["expected"]


@pytest.mark.parametrize("case", OK_CASES, ids=_ids(OK_CASES))
def test_recorded_output_with_crlf_and_compose_noise(case: dict) -> None:
    lines = COMPOSE_BEFORE + case["stdout"].splitlines() + COMPOSE_AFTER
    assert parse_showmigrations("\r\n".join(lines)) == case["expected"]


@pytest.mark.parametrize("case", FAILED_CASES, ids=_ids(FAILED_CASES))
def test_recorded_failure_is_never_a_listing(case: dict) -> None:
    """A command that exited non-zero must not parse, alone, merged with stderr, or as stderr."""
    with pytest.raises(ShowmigrationsParseError):
        parse_showmigrations(case["stdout"])
    with pytest.raises(ShowmigrationsParseError):
        parse_showmigrations(case["stdout"] + case["stderr"] + "\n")
    with pytest.raises(ShowmigrationsParseError):
        parse_showmigrations(case["stderr"])


def test_django32_verbose_crash_on_applied_squash_is_reported_as_truncated() -> None:
    crashed = [c for c in FAILED_CASES if "AttributeError" in c["stderr"]]
    assert crashed and all(c["django"].startswith("3.2.") for c in crashed)
    for case in crashed:
        last_line = strip_ansi(case["stdout"]).rstrip("\n").rsplit("\n", 1)[-1]
        assert last_line in {"inventory", "wagtailcore"}
        with pytest.raises(ShowmigrationsParseError, match="truncated"):
            parse_showmigrations(case["stdout"])


# ---------------------------------------------------------------------------------------------
# Hand-written cases

LISTING = """\
accounts
 [X] 0001_initial (applied at 2024-05-01 10:00:00)
 [X] 0002_squashed_0004_email (3 squashed migrations)
 [-] 0005_squashed_0006_x (2 squashed migrations) Run 'manage.py migrate' to finish recording.
 [ ] 0007_profile
notes
 (no migrations)
shop
 [ ] 0001_initial
"""

LISTING_EXPECTED = {
    "format": "list",
    "migrations": [
        {
            "app": "accounts",
            "name": "0001_initial",
            "applied": True,
            "squashed": None,
            "applied_at": "2024-05-01 10:00:00",
            "dependencies": None,
        },
        {
            "app": "accounts",
            "name": "0002_squashed_0004_email",
            "applied": True,
            "squashed": 3,
            "applied_at": None,
            "dependencies": None,
        },
        {
            "app": "accounts",
            "name": "0005_squashed_0006_x",
            "applied": "partial",
            "squashed": 2,
            "applied_at": None,
            "dependencies": None,
        },
        {
            "app": "accounts",
            "name": "0007_profile",
            "applied": False,
            "squashed": None,
            "applied_at": None,
            "dependencies": None,
        },
        {
            "app": "shop",
            "name": "0001_initial",
            "applied": False,
            "squashed": None,
            "applied_at": None,
            "dependencies": None,
        },
    ],
    "apps": ["accounts", "notes", "shop"],
    "apps_without_migrations": ["notes"],
    "pending": ["accounts.0005_squashed_0006_x", "accounts.0007_profile", "shop.0001_initial"],
    "applied_count": 2,
    "pending_count": 3,
    "latest_applied": {"accounts": "0002_squashed_0004_email", "notes": None, "shop": None},
}

PLAN = """\
[X]  contenttypes.0001_initial
[X]  auth.0001_initial ... (contenttypes.0001_initial)
[ ]  shop.0001_initial ... (auth.0001_initial, contenttypes.0001_initial)
"""


def test_list_format_semantics() -> None:
    assert parse_showmigrations(LISTING) == LISTING_EXPECTED


def test_plan_format_semantics() -> None:
    parsed = parse_showmigrations(PLAN)
    assert parsed["format"] == "plan"
    assert parsed["apps"] == ["contenttypes", "auth", "shop"]
    assert [m["dependencies"] for m in parsed["migrations"]] == [
        None,
        ["contenttypes.0001_initial"],
        ["auth.0001_initial", "contenttypes.0001_initial"],
    ]
    assert parsed["pending"] == ["shop.0001_initial"]
    assert parsed["latest_applied"] == {
        "contenttypes": "0001_initial",
        "auth": "0001_initial",
        "shop": None,
    }
    assert parsed["apps_without_migrations"] == []


def test_empty_plan_is_valid() -> None:
    parsed = parse_showmigrations("(no migrations)\n")
    assert parsed["format"] == "plan"
    assert parsed["migrations"] == [] and parsed["pending"] == [] and parsed["pending_count"] == 0


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "\x1b[1maccounts\n\x1b[0m [X] 0001_initial\n\x1b[1mnotes\n\x1b[0m\x1b[31;1m"
            " (no migrations)\n\x1b[0m",
            id="force-color-reset-on-next-line",
        ),
        pytest.param(
            "\x1b[1maccounts\x1b[0m\n [X] 0001_initial\n\x1b[1mnotes\x1b[0m\n"
            "\x1b[31;1m (no migrations)\x1b[0m\n",
            id="color-reset-on-same-line",
        ),
        pytest.param("accounts\r\n [X] 0001_initial\r\nnotes\r\n (no migrations)\r\n", id="crlf"),
        pytest.param("accounts\r [X] 0001_initial\rnotes\r (no migrations)", id="cr-only"),
        pytest.param(
            "accounts   \n [X] 0001_initial\t\nnotes\n (no migrations)  \n\n\n", id="trailing-space"
        ),
        pytest.param(
            "\ufeffaccounts\n [X] 0001_initial\nnotes\n (no migrations)", id="byte-order-mark"
        ),
        pytest.param(
            "\x1b]0;docker\x07\x1b[2K\x1b[1A[+] Running 1/1\n ✔ Container app-db-1  Running\n"
            "accounts\n [X] 0001_initial\nnotes\n (no migrations)\n"
            " Container app-web-run-1  Stopped\n",
            id="compose-progress-around",
        ),
        pytest.param(
            "WARN[0000] Found orphan containers ([app-old-1]) for this project.\n"
            'time="2024-05-01T10:00:00Z" level=warning msg="The \\"X\\" variable is not set."\n'
            "accounts\n [X] 0001_initial\nnotes\n (no migrations)\n",
            id="compose-warnings-before",
        ),
        pytest.param(
            "/app/settings.py:3: UserWarning: something\n  warnings.warn(\nRunning\n"
            "accounts\n [X] 0001_initial\nnotes\n (no migrations)\n",
            id="python-warning-and-bare-word-before",
        ),
        pytest.param(b"accounts\n [X] 0001_initial\nnotes\n (no migrations)\n", id="bytes-input"),
    ],
)
def test_noise_does_not_change_the_result(text) -> None:
    parsed = parse_showmigrations(text)
    assert parsed["apps"] == ["accounts", "notes"]
    assert parsed["apps_without_migrations"] == ["notes"]
    assert [(m["app"], m["name"], m["applied"]) for m in parsed["migrations"]] == [
        ("accounts", "0001_initial", True)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "no showmigrations listing", id="empty"),
        pytest.param("\n\r\n  \n", "no showmigrations listing", id="blank"),
        pytest.param(
            " Container app-db-1  Running\n[+] Running 1/1\n",
            "no showmigrations listing",
            id="noise",
        ),
        pytest.param("No installed app with label 'x'.\n", "error message", id="unknown-app-label"),
        pytest.param(
            'Traceback (most recent call last):\n  File "manage.py", line 22, in <module>\n'
            "django.db.utils.OperationalError: could not connect to server: Connection refused\n",
            "traceback",
            id="traceback",
        ),
        pytest.param(
            "django.db.utils.OperationalError: FATAL:  password authentication failed\n",
            "error message",
            id="operational-error-line",
        ),
        pytest.param(
            "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must not be empty.\n",
            "error message",
            id="improperly-configured",
        ),
        pytest.param(
            "CommandError: Conflicting migrations detected\n", "error", id="command-error"
        ),
        pytest.param(
            "admin\n [X] 0001_initial\nauth\n [X] 0001_initial\n"
            'Traceback (most recent call last):\n  File "x", line 1\n'
            "AttributeError: 'Migration' object has no attribute 'applied'\n",
            "traceback",
            id="listing-then-traceback",
        ),
        pytest.param("admin\n [X] 0001_initial\nauth\n", "truncated", id="ends-with-app-label"),
        pytest.param(
            "admin\n [X] 0001_initial (applied at 2024-05-01 10:00:00)\n [X] 0002_x (applied at 20",
            "truncated",
            id="cut-off-line",
        ),
        pytest.param("[X]  admin.0001_initial\n[ ]  adm", "truncated", id="cut-off-plan-line"),
        pytest.param(" [X] 0001_initial\n", "before any app label", id="entry-without-app"),
        pytest.param("wagtailcore\n", "no showmigrations listing", id="only-app-label"),
        pytest.param(None, "must be a string", id="none"),
    ],
)
def test_no_listing_raises(text, message: str) -> None:
    with pytest.raises(ShowmigrationsParseError, match=message) as raised:
        parse_showmigrations(text)
    assert isinstance(raised.value, ValueError)


def test_error_message_contains_an_excerpt() -> None:
    text = "Traceback (most recent call last):\n  File 'x'\nKeyError: ('shop', '0002_x')\n"
    with pytest.raises(ShowmigrationsParseError) as raised:
        parse_showmigrations(text)
    assert "KeyError: ('shop', '0002_x')" in str(raised.value)
    assert "KeyError" in raised.value.excerpt
    with pytest.raises(ShowmigrationsParseError, match="'some output'"):
        parse_showmigrations("some output\n")


def test_unknown_line_inside_the_listing_fails_closed_naming_the_line() -> None:
    text = "admin\n [X] 0001_initial\n?? something new in Django 7 ??\n [ ] 0002_x\n"
    with pytest.raises(ShowmigrationsParseError) as raised:
        parse_showmigrations(text)
    message = str(raised.value)
    assert "line 3" in message
    assert "'?? something new in Django 7 ??'" in message
    assert "please report" in message


@pytest.mark.parametrize(
    ("text", "line", "quoted"),
    [
        pytest.param(
            "admin\n [X] 0001_initial\nauth\nnotes\n (no migrations)\n", 3, "'auth'", id="empty-app"
        ),
        pytest.param(
            "admin\n [X] 0001_initial\nWarning\naccounts\n [X] 0001_initial\n",
            3,
            "'Warning'",
            id="stray-one-word-line",
        ),
        pytest.param(
            "admin\n [X] 0001_initial\n[X]  auth.0001_initial\n",
            3,
            "'[X]  auth.0001_initial'",
            id="plan-in-list",
        ),
        pytest.param(
            "[X]  auth.0001_initial\n [X] 0002_x\n[ ]  auth.0003_y\n",
            2,
            "'[X] 0002_x'",
            id="list-in-plan",
        ),
        pytest.param(
            "[X]  auth.0001_initial\nauth\n[ ]  auth.0003_y\n", 2, "'auth'", id="label-in-plan"
        ),
        pytest.param(
            "admin\n [X] 0001_initial\n (no migrations)\n [X] 0002_x",
            3,
            "'(no migrations)'",
            id="nomig-late",
        ),
        pytest.param(
            "admin\n [X] 0001_x Run 'manage.py migrate' to finish recording.",
            2,
            "0001_x Run",
            id="x-run",
        ),
        pytest.param(
            "admin\n [X] 0001_initial\n [Y] 0002_new\n Container x Stopped\n",
            3,
            "'[Y] 0002_new'",
            id="unknown-marker-after-the-last-migration-line",
        ),
        pytest.param(
            "admin\n Container x Running\n [X] 0001_initial\n",
            2,
            "'Container x Running'",
            id="noise-after-label",
        ),
    ],
)
def test_impossible_listing_fails_with_the_line_number_and_text(
    text: str, line: int, quoted: str
) -> None:
    with pytest.raises(ShowmigrationsParseError) as raised:
        parse_showmigrations(text)
    message = str(raised.value)
    assert f"showmigrations output line {line}:" in message
    assert quoted in message
    assert "please report" in message


def test_subset_keeps_command_line_order_and_plan_with_other_apps() -> None:
    listing = parse_showmigrations("auth\n [X] 0001_initial\nadmin\n [ ] 0001_initial\n")
    assert listing["apps"] == ["auth", "admin"]
    assert listing["latest_applied"] == {"auth": "0001_initial", "admin": None}
    plan = parse_showmigrations(
        "[X]  contenttypes.0001_initial\n[X]  auth.0001_initial\n[ ]  billing.0001_initial\n"
    )
    assert plan["apps"] == ["contenttypes", "auth", "billing"]


def test_partial_squash_counts_as_pending_not_latest() -> None:
    parsed = parse_showmigrations(
        "shop\n [X] 0001_initial\n"
        " [-] 0002_squashed_0005_x (4 squashed migrations) Run 'manage.py migrate' to finish "
        "recording.\n"
    )
    assert parsed["migrations"][1]["applied"] == "partial"
    assert parsed["pending"] == ["shop.0002_squashed_0005_x"]
    assert parsed["latest_applied"] == {"shop": "0001_initial"}
    assert (parsed["applied_count"], parsed["pending_count"]) == (1, 1)


def test_a_crash_after_a_complete_line_is_not_detectable() -> None:
    """Documented limit: only the exit code tells this truncated output from a complete one."""
    parsed = parse_showmigrations("shop\n [X] 0001_initial (applied at 2024-05-01 10:00:00)\n")
    assert parsed["pending"] == []


def test_helpers() -> None:
    parsed = parse_showmigrations(LISTING)
    assert pending_by_app(parsed) == {
        "accounts": ["0005_squashed_0006_x", "0007_profile"],
        "shop": ["0001_initial"],
    }
    assert applied_set(parsed) == {"accounts.0001_initial", "accounts.0002_squashed_0004_email"}
    assert unrecorded_squashes(parsed) == ["accounts.0005_squashed_0006_x"]
    assert pending_by_app(parse_showmigrations("(no migrations)")) == {}
    assert strip_ansi("\x1b[1mabc\x1b[0m\x1b]0;t\x07") == "abc"
