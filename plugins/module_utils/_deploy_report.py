# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The deploy report's decisions, pure and unit-tested: the run's outcome, the seconds per phase,
# the report's name and its assembly from what the playbook collected. The action plugin
# accreditrack.ops.deploy_report calls these and writes the result on the managed host.

from __future__ import annotations

import time
from typing import Any, Mapping, Optional, Sequence

FORMAT_VERSION = 1

# Outcomes that keep the app services' logs out of the report (nothing failed, or nothing ran).
QUIET_OUTCOMES = frozenset(("success", "no_change", "planned"))

# What the report keeps of the rollback role's rollback_result.
ROLLBACK_KEYS = (
    "method",
    "reason",
    "point_path",
    "targets",
    "unapplied",
    "migration_failure",
    "restored",
    "verified",
    "duration",
    "changed",
)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def run_changed(
    migrate: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any], restarted: bool
) -> bool:
    """Whether the run changed the deployment: a migration applied, another release running, or a
    container (re)created by `up`."""
    return (
        bool(_mapping(migrate).get("changed", False))
        or _mapping(before).get("release") != _mapping(after).get("release")
        or bool(restarted)
    )


def outcome(
    check_mode: bool,
    failures: Sequence[Mapping[str, Any]],
    rollback_failures: Sequence[Mapping[str, Any]],
    rollback: Optional[Mapping[str, Any]],
    changed: bool,
    lock: Optional[Mapping[str, Any]] = None,
) -> str:
    """The run's outcome, one word.

    planned (check mode) - locked (the deploy lock was held by another run; a lock file that
    could not be written is a failure, not `locked`) - success (something changed) - no_change -
    rollback_failed - rolled_back - failed (nothing was rolled back)."""
    if check_mode:
        return "planned"
    if failures and failures[0].get("phase") == "lock" and not _mapping(lock).get("write_error"):
        return "locked"
    if not failures:
        return "success" if changed else "no_change"
    if rollback_failures:
        return "rollback_failed"
    if rollback:
        return "rolled_back"
    return "failed"


def durations(times: Mapping[str, Any], phases: Sequence[str], finished: float) -> dict[str, float]:
    """Seconds per phase: each mark in `times` minus the one before it (from `started`), in the
    order of `phases`, then `report` (up to `finished`) and `total`. A phase without a mark (it did
    not run) is left out."""
    started = float(times["started"])
    marks = dict(times)
    marks["report"] = finished
    result: dict[str, float] = {}
    previous = started
    for phase in [*phases, "report"]:
        if phase in marks:
            mark = float(marks[phase])
            result[phase] = round(mark - previous, 3)
            previous = mark
    result["total"] = round(finished - started, 3)
    return result


def utc(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(timestamp)))


def report_name(playbook: str, name: str, now: float) -> str:
    """The report's file name: `name`, or `<UTC time>-<playbook>.json`."""
    return name or f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))}-{playbook}.json"


def assemble(
    *,
    playbook: str,
    run_id: str,
    project: str,
    hosts: Sequence[str],
    check_mode: bool,
    requested: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    migrate: Mapping[str, Any],
    rollback: Mapping[str, Any],
    health: Mapping[str, Any],
    failures: Sequence[Mapping[str, Any]],
    rollback_failures: Sequence[Mapping[str, Any]],
    restarted: bool,
    times: Mapping[str, Any],
    phases: Sequence[str],
    lock_file: str,
    lock: Optional[Mapping[str, Any]],
    now: float,
) -> dict[str, Any]:
    """The deploy report (format_version 1) from what the playbook collected. `lock` is the release
    role's release_lock (None: no lock was tried); `now` is the time the report is finished."""
    before, after, migrate = _mapping(before), _mapping(after), _mapping(migrate)
    rollback = _mapping(rollback)
    locks = _mapping(migrate.get("locks"))
    changed = run_changed(migrate, before, after, restarted)
    result = outcome(check_mode, failures, rollback_failures, rollback, changed, lock)
    return {
        "format_version": FORMAT_VERSION,
        "playbook": playbook,
        "run_id": run_id,
        "project": project,
        "hosts": list(hosts),
        "check_mode": check_mode,
        "outcome": result,
        "started_at": utc(times["started"]),
        "finished_at": utc(now),
        "release": {
            "requested": requested,
            "before": before.get("release"),
            "after": after.get("release"),
            "containers_before": before.get("containers", []),
            "containers_after": after.get("containers", []),
        },
        "migrations": {
            "status": migrate.get("status", "not_run"),
            "plan": migrate.get("plan", []),
            "applied": migrate.get("applied", []),
            "unapplied": migrate.get("unapplied", []),
            "error": migrate.get("error"),
            "rollback_point": migrate.get("rollback_point_path"),
            "post_commands": migrate.get("post_commands", []),
            # The migration safety review (migrate role, migrate_safety): null when it did not run.
            "review": migrate.get("review"),
        },
        "backup": migrate.get("backup"),
        "locks": {
            "deploy_lock": lock_file,
            "deploy_lock_check": (lock or {}).get("msg", "") if check_mode and lock else "",
            "deploy_lock_broken": (lock or {}).get("broken"),
            "sessions_waited_for": locks.get("waited_for", []),
            "terminated": locks.get("terminated", []),
            "waited": locks.get("waited", 0),
            "tables": locks.get("tables", []),
            "whole_database": locks.get("whole_database"),
        },
        "rollback": (
            {key: rollback[key] for key in ROLLBACK_KEYS if key in rollback} if rollback else None
        ),
        "health": dict(_mapping(health)),
        "failures": list(failures),
        "rollback_failures": list(rollback_failures),
        "durations": durations(times, phases, now),
    }


def wants_logs(report: Mapping[str, Any]) -> bool:
    """A run that did not end well keeps the app services' logs."""
    return report["outcome"] not in QUIET_OUTCOMES


def logs_argv(compose_argv: Sequence[str], tail: int, services: Sequence[str]) -> list[str]:
    """`docker compose ... logs` of the app services: the last `tail` lines, with timestamps."""
    options = ["--no-color", "--timestamps", "--tail", str(int(tail))]
    return [*compose_argv, "logs", *options, *services]


def with_logs(
    report: Mapping[str, Any], services: Sequence[str], tail: int, result: Mapping[str, Any]
) -> dict[str, Any]:
    """The report with the logs `docker compose logs` returned (its stdout, then its stderr)."""
    lines = list(result.get("stdout_lines") or []) + list(result.get("stderr_lines") or [])
    return {**report, "logs": {"services": list(services), "tail": int(tail), "lines": lines}}
