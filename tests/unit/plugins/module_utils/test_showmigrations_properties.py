# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests: random migration states rendered exactly as Django prints them, parsed back.

The renderers below follow django/core/management/commands/showmigrations.py (3.2-6.0): list
format with app labels, `` [X]/[ ]/[-]``, ``(N squashed migrations)``, the 4.0+ "finish
recording" text, ``-v 2`` timestamps (never on squashes) and `` (no migrations)``; plan format
with ``[X]  app.name``, ``-v 2`` dependency suffixes and ``(no migrations)`` for an empty plan.
"""

from __future__ import annotations

import datetime

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils.showmigrations import (
    ShowmigrationsParseError,
    parse_showmigrations,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LOWER = "abcdefghijklmnopqrstuvwxyz"
LABEL = st.builds(
    str.__add__, st.sampled_from(LOWER), st.text(alphabet=LOWER + "0123456789_", max_size=14)
)
NAME = st.builds(
    "{:04d}_{}".format,
    st.integers(min_value=0, max_value=9999),
    st.text(alphabet=LOWER + LOWER.upper() + "0123456789_", min_size=1, max_size=40),
)
TIMESTAMP = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2099, 12, 31)
).map(lambda value: value.strftime("%Y-%m-%d %H:%M:%S"))


@st.composite
def migration(draw) -> dict:
    squashed = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=120)))
    states = [True, False, "partial"] if squashed else [True, False]
    return {
        "name": draw(NAME),
        "applied": draw(st.sampled_from(states)),
        "squashed": squashed,
        "applied_at": draw(TIMESTAMP),
    }


@st.composite
def project(draw) -> list[tuple[str, list[dict]]]:
    labels = draw(st.lists(LABEL, min_size=1, max_size=6, unique=True))
    apps = []
    for label in labels:
        migrations = draw(st.lists(migration(), max_size=8, unique_by=lambda m: m["name"]))
        apps.append((label, migrations))
    return apps


def render_list(apps: list, verbosity: int) -> tuple[str, dict]:
    lines, expected = [], []
    for label, migrations in apps:
        lines.append(label)
        for m in migrations:
            title = m["name"]
            if m["squashed"]:
                title += f" ({m['squashed']} squashed migrations)"
            applied_at = None
            if m["applied"] == "partial":
                line = f" [-] {title} Run 'manage.py migrate' to finish recording."
            elif m["applied"]:
                line = f" [X] {title}"
                if verbosity >= 2 and not m["squashed"]:
                    applied_at = m["applied_at"]
                    line += f" (applied at {applied_at})"
            else:
                line = f" [ ] {title}"
            lines.append(line)
            expected.append(
                {
                    "app": label,
                    "name": m["name"],
                    "applied": m["applied"],
                    "squashed": m["squashed"],
                    "applied_at": applied_at,
                    "dependencies": None,
                }
            )
        if not migrations:
            lines.append(" (no migrations)")
    labels = [label for label, _ in apps]
    empty = [label for label, migrations in apps if not migrations]
    return "\n".join(lines) + "\n", summary("list", expected, labels, empty)


def render_plan(apps: list, verbosity: int, data) -> tuple[str, dict]:
    nodes = [(label, m) for label, migrations in apps for m in migrations]
    order = data.draw(st.permutations(nodes)) if nodes else []
    lines, expected, seen = [], [], []
    for label, m in order:
        deps = None
        if verbosity >= 2 and seen:
            chosen = data.draw(st.lists(st.sampled_from(seen), max_size=3, unique=True))
            deps = sorted(chosen) or None
        suffix = f" ... ({', '.join(deps)})" if deps else ""
        applied = m["applied"] is not False  # --plan never prints [-]
        lines.append(f"[{'X' if applied else ' '}]  {label}.{m['name']}{suffix}")
        expected.append(
            {
                "app": label,
                "name": m["name"],
                "applied": applied,
                "squashed": None,
                "applied_at": None,
                "dependencies": deps,
            }
        )
        seen.append(f"{label}.{m['name']}")
    if not order:
        lines.append("(no migrations)")
    labels = list(dict.fromkeys(entry["app"] for entry in expected))
    return "\n".join(lines) + "\n", summary("plan", expected, labels, [])


def summary(fmt: str, migrations: list, apps: list, empty: list) -> dict:
    pending = [f"{m['app']}.{m['name']}" for m in migrations if m["applied"] is not True]
    latest = {app: None for app in apps}
    for m in migrations:
        if m["applied"] is True:
            latest[m["app"]] = m["name"]
    return {
        "format": fmt,
        "migrations": migrations,
        "apps": apps,
        "apps_without_migrations": empty,
        "pending": pending,
        "applied_count": len(migrations) - len(pending),
        "pending_count": len(pending),
        "latest_applied": latest,
    }


def colorize(text: str) -> str:
    """What --force-color does: the style wraps "msg\\n", so the reset starts the next line."""
    out = []
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\n")
        if stripped.strip() == "(no migrations)":
            out.append(f"\x1b[31;1m{line}\x1b[0m")
        elif stripped and not stripped.startswith((" ", "[")):
            out.append(f"\x1b[1m{line}\x1b[0m")
        else:
            out.append(line)
    return "".join(out)


NOISE = st.lists(
    st.sampled_from(
        [
            "",
            "  ",
            "[+] Running 1/1",
            " ✔ Container app-db-1  Running",
            " Container app-db-1  Healthy",
            "WARN[0000] Found orphan containers ([app-old-1]) for this project.",
            'time="2024-05-01T10:00:00Z" level=warning msg="The \\"X\\" variable is not set."',
            "\x1b[2K\x1b[1A[+] Running 2/2",
        ]
    ),
    max_size=4,
)


@st.composite
def rendered(draw) -> tuple[str, dict]:
    apps = draw(project())
    verbosity = draw(st.integers(min_value=0, max_value=3))
    if draw(st.sampled_from(["list", "plan"])) == "list":
        return render_list(apps, verbosity)
    return render_plan(apps, verbosity, draw(st.data()))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rendered())
def test_rendered_output_parses_back(case: tuple[str, dict]) -> None:
    text, expected = case
    assert parse_showmigrations(text) == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rendered(),
    NOISE,
    NOISE,
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
)
def test_colour_line_endings_and_noise_around_do_not_change_the_result(
    case: tuple[str, dict], before: list, after: list, colour: bool, newline: str
) -> None:
    text, expected = case
    if colour:
        text = colorize(text)
    lines = before + text.splitlines() + after
    assert parse_showmigrations(newline.join(lines)) == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rendered(), st.data())
def test_unknown_line_inside_the_listing_fails_closed(case: tuple[str, dict], data) -> None:
    text, _expected = case
    lines = text.splitlines()
    if len(lines) < 2:
        return
    position = data.draw(st.integers(min_value=1, max_value=len(lines) - 1))
    lines.insert(position, "  ~~ an unexpected line ~~")
    with pytest.raises(ShowmigrationsParseError) as raised:
        parse_showmigrations("\n".join(lines))
    message = str(raised.value)
    assert f"line {position + 1}: " in message and "'~~ an unexpected line ~~'" in message


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project(), st.data())
def test_output_cut_after_an_app_label_raises(apps: list, data) -> None:
    text, _expected = render_list(apps, verbosity=2)
    lines = text.splitlines()
    labels = [index for index, line in enumerate(lines) if not line.startswith(" ")]
    cut = data.draw(st.sampled_from(labels))
    with pytest.raises(ShowmigrationsParseError):
        parse_showmigrations("\n".join(lines[: cut + 1]) + "\n")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_either_parses_or_raises_the_documented_error(text: str) -> None:
    try:
        parsed = parse_showmigrations(text)
    except ShowmigrationsParseError:
        return
    assert parsed["applied_count"] + parsed["pending_count"] == len(parsed["migrations"])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=" \t\r\n\x1b[]0123456789;mK"))
def test_whitespace_and_escape_codes_alone_are_never_a_listing(text: str) -> None:
    with pytest.raises(ShowmigrationsParseError):
        parse_showmigrations(text)
