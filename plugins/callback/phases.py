# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: phases
type: stdout
author: AccrediTrack operations team (@accreditrack)
version_added: 0.1.0
short_description: Quiet output - one line per play, per change and per message
description:
  - A stdout callback for the playbooks of accreditrack.ops (and any other playbook) that prints
    what a person reads after a deployment, not every task.
  - >-
    At verbosity 0 it prints a line C(== <play name>) when a play starts; nothing for tasks that
    are V(ok), skipped or included; one line C(changed: <task name> [<host>]) for every changed
    task (a loop is one line); failures and unreachable hosts in full, with their task banner, as
    the P(ansible.builtin.default#callback) callback prints them; warnings and deprecations;
    the message of every M(ansible.builtin.debug) task as plain lines (a list one item per line,
    a string as it is, anything else as JSON); a line C(-- <play name>: <duration>) when the play
    is over; and the PLAY RECAP.
  - With C(-v) or more it prints exactly what the P(ansible.builtin.default#callback) callback
    prints.
  - The options are those of the P(ansible.builtin.default#callback) callback. At verbosity 0,
    O(display_ok_hosts) and O(display_skipped_hosts) have no effect (those results are never
    shown).
extends_documentation_fragment:
  - ansible.builtin.default_callback
  - ansible.builtin.result_format_callback
requirements:
  - set as stdout in configuration (C(stdout_callback = accreditrack.ops.phases) in the
    C([defaults]) section of C(ansible.cfg), or C(ANSIBLE_STDOUT_CALLBACK=accreditrack.ops.phases))
notes:
  - A debug message is printed without the host it comes from; a message that matters per host
    names the host itself.
seealso:
  - plugin: ansible.builtin.default
    plugin_type: callback
"""

import json
import time
from typing import Any, Optional

from ansible import constants as C
from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback.default import CallbackModule as DefaultCallback
from ansible.utils.fqcn import add_internal_fqcns

DEBUG_ACTIONS = frozenset(add_internal_fqcns(("debug",)))
FREE_STRATEGIES = frozenset(add_internal_fqcns(("free", "host_pinned")))


def format_duration(seconds: float) -> str:
    """12.3s, 2m 05s, 1h 02m 03s."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"


def _value_text(value: Any, indent: Optional[int]) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=indent, ensure_ascii=False, default=str)


def debug_lines(result: dict[str, Any]) -> list[str]:
    """The lines a debug result prints: its msg (a list one item per line), or VAR: value."""
    if "msg" in result:
        msg = result["msg"]
        if isinstance(msg, (list, tuple)):
            return [_value_text(item, None) for item in msg]
        return _value_text(msg, 4).splitlines() or [""]
    shown = {
        key: value
        for key, value in result.items()
        if not key.startswith("_ansible")
        and key not in {"changed", "failed", "skipped", "warnings", "deprecations"}
    }
    return [f"{key}: {_value_text(value, 4)}" for key, value in shown.items()]


class CallbackModule(DefaultCallback):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "accreditrack.ops.phases"

    def __init__(self) -> None:
        super().__init__()
        self._task_names: dict[str, str] = {}
        self._play_name: Optional[str] = None
        self._play_started = 0.0

    def _verbose(self) -> bool:
        return self._display.verbosity > 0

    # Plays: a line at the start, the duration at the end (the next play's start, or the recap).

    def _end_play(self) -> None:
        if self._play_name is not None:
            took = format_duration(time.monotonic() - self._play_started)
            self._display.display(f"-- {self._play_name}: {took}")
            self._play_name = None

    def v2_playbook_on_play_start(self, play):
        if self._verbose():
            return super().v2_playbook_on_play_start(play)
        self._end_play()
        self._play = play
        name = play.get_name().strip() or "PLAY"
        if play.check_mode and self.get_option("check_mode_markers"):
            name += " [CHECK MODE]"
        self._play_name = name
        self._play_started = time.monotonic()
        self._display.display(f"== {name}")
        return None

    def v2_playbook_on_stats(self, stats):
        if not self._verbose():
            self._end_play()
        return super().v2_playbook_on_stats(stats)

    # Tasks: no banner up front; the default callback prints one before a failure.

    def _task_start(self, task, prefix=None):
        if self._verbose():
            return super()._task_start(task, prefix=prefix)
        if prefix is not None:
            self._task_type_cache[task._uuid] = prefix
        name = task.get_name().strip()
        self._task_names[task._uuid] = name
        free = self._play is not None and self._play.strategy in FREE_STRATEGIES
        self._last_task_name = None if free else name
        return None

    def _task_name(self, task) -> str:
        return self._task_names.get(task._uuid) or task.get_name().strip()

    def v2_runner_on_ok(self, result):
        if self._verbose():
            return super().v2_runner_on_ok(result)
        self._handle_warnings_and_exception(result)
        if isinstance(result.task, TaskInclude):
            return None
        if result.task.action in DEBUG_ACTIONS:
            if not (result.task.loop and "results" in result.result):
                for line in debug_lines(result.result):
                    self._display.display(line, color=C.COLOR_OK)
            return None
        if result.result.get("changed", False):
            self._display.display(
                f"changed: {self._task_name(result.task)} [{self.host_label(result)}]",
                color=C.COLOR_CHANGED,
            )
        return None

    def v2_runner_item_on_ok(self, result):
        if self._verbose():
            return super().v2_runner_item_on_ok(result)
        self._handle_warnings_and_exception(result)
        if result.task.action in DEBUG_ACTIONS and not isinstance(result.task, TaskInclude):
            for line in debug_lines(result.result):
                self._display.display(line, color=C.COLOR_OK)
        return None

    def v2_runner_on_skipped(self, result):
        if self._verbose():
            return super().v2_runner_on_skipped(result)
        self._handle_warnings_and_exception(result)
        return None

    def v2_runner_item_on_skipped(self, result):
        if self._verbose():
            return super().v2_runner_item_on_skipped(result)
        self._handle_warnings_and_exception(result)
        return None

    def v2_playbook_on_include(self, included_file):
        if self._verbose():
            return super().v2_playbook_on_include(included_file)
        return None
