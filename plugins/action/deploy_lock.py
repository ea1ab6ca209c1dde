# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The controller side of accreditrack.ops.deploy_lock: adds to `owner` the controller user, its
# host name and the pid of ansible-playbook, which no variable provides. The worker process that
# runs this plugin is a child of ansible-playbook, so its parent pid lives exactly as long as the
# run.

from __future__ import annotations

import getpass
import os
import socket

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        owner = dict(args.get("owner") or {})
        owner.setdefault("user", getpass.getuser())
        owner.setdefault("controller", socket.gethostname())
        owner.setdefault("pid", os.getppid())
        args["owner"] = owner
        result.update(
            self._execute_module(
                module_name="accreditrack.ops.deploy_lock", module_args=args, task_vars=task_vars
            )
        )
        return result
