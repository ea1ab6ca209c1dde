# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The controller side of accreditrack.ops.check_mode_info: answers from the task's own check mode
# (the play's, a block's or the task's `check_mode`, as Ansible resolved it), on the controller,
# without running anything on the managed host. `ansible_check_mode` only reflects --check.

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result.update(changed=False, check_mode=bool(self._play_context.check_mode))
        return result
