# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The controller side of accreditrack.ops.deploy_report: the report is decided and assembled
# here, in Python (module_utils/_deploy_report.py, unit-tested), from what the playbook collected;
# the managed host only runs `docker compose logs` (a run that did not end well) and
# accreditrack.ops.json_file (the write: mode 0600, directory 0700, atomic).
# Check mode writes nothing.

from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.accreditrack.ops.plugins.module_utils import _deploy_report as report_utils

ARGUMENT_SPEC = {
    "playbook": {"type": "str", "required": True},
    "reports_dir": {"type": "str", "required": True},
    "name": {"type": "str", "default": ""},
    "project": {"type": "str", "required": True},
    "run_id": {"type": "str", "default": ""},
    "hosts": {"type": "list", "elements": "str", "default": []},
    "requested": {"type": "str", "default": ""},
    "before": {"type": "dict", "default": {}},
    "after": {"type": "dict", "default": {}},
    "migrate": {"type": "dict", "default": {}},
    "rollback": {"type": "dict", "default": {}},
    "health": {"type": "dict", "default": {}},
    "failures": {"type": "list", "elements": "dict", "default": []},
    "rollback_failures": {"type": "list", "elements": "dict", "default": []},
    "restarted": {"type": "bool", "default": False},
    "times": {"type": "dict", "required": True},
    "phases": {"type": "list", "elements": "str", "default": []},
    "lock_file": {"type": "str", "default": ""},
    "lock": {"type": "dict"},
    "compose_argv": {"type": "list", "elements": "str", "default": []},
    "logs_services": {"type": "list", "elements": "str", "default": []},
    "logs_tail": {"type": "int", "default": 200},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if "started" not in args["times"]:
            raise AnsibleActionFail("times needs the mark `started` (a UNIX timestamp).")
        check_mode = bool(self._play_context.check_mode)
        now = time.time()
        report = report_utils.assemble(
            playbook=args["playbook"],
            run_id=args["run_id"],
            project=args["project"],
            hosts=args["hosts"],
            check_mode=check_mode,
            requested=args["requested"],
            before=args["before"],
            after=args["after"],
            migrate=args["migrate"],
            rollback=args["rollback"],
            health=args["health"],
            failures=args["failures"],
            rollback_failures=args["rollback_failures"],
            restarted=args["restarted"],
            times=args["times"],
            phases=args["phases"],
            lock_file=args["lock_file"],
            lock=args["lock"],
            now=now,
        )
        if report_utils.wants_logs(report) and args["compose_argv"]:
            # A failed run: the app services' last lines go into the report. A `logs` that fails
            # (Docker gone) leaves what it printed; the report is written all the same.
            logs = self._execute_module(
                module_name="ansible.legacy.command",
                module_args={
                    "argv": report_utils.logs_argv(
                        args["compose_argv"], args["logs_tail"], args["logs_services"]
                    ),
                },
                task_vars=task_vars,
            )
            report = report_utils.with_logs(report, args["logs_services"], args["logs_tail"], logs)
        name = report_utils.report_name(args["playbook"], args["name"], now)
        path = f"{args['reports_dir'].rstrip('/')}/{name}"
        result.update(changed=False, report=report, path=path, written=False)
        if check_mode:
            return result
        written = self._execute_module(
            module_name="accreditrack.ops.json_file",
            module_args={"path": path, "content": report, "mode": "0600", "directory_mode": "0700"},
            task_vars=task_vars,
        )
        if written.get("failed"):
            reason = written.get("msg", "")
            msg = f"The deploy report could not be written to {path}: {reason}"
            result.update(failed=True, msg=msg)
            return result
        # A record of this run, like a log line, not a change of the deployment: changed=false.
        result["written"] = True
        return result
