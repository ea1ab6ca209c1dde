#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module: `ansible_check_mode` is true only with --check; a `check_mode: true` on a task,
# block or include does not show in it (ansible-core 2.19), and roles that must not write in check
# mode need to know. The action plugin of the same name answers on the controller (no round trip);
# this module is its fallback and its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: check_mode_info
short_description: Tell whether this task runs in check mode
version_added: 0.1.0
description:
  - "Returns RV(check_mode), true when the task runs in check mode for any reason: C(--check), or
    C(check_mode: true) on the play, a block, an include or the task itself."
  - "C(ansible_check_mode) is true only with C(--check), so a role called from a block with
    C(check_mode: true) would otherwise write what it must not."
  - Answered on the controller by the action plugin of the same name; nothing runs on the host.
options: {}
attributes:
  check_mode:
    support: full
    description: The point of the module.
  diff_mode:
    support: none
    description: Nothing changes.
  platform:
    support: full
    platforms: posix
    description: Any host; nothing runs on it.
author:
  - AccrediTrack operations team (@accreditrack)
"""

EXAMPLES = r"""
- name: Find out whether this runs in check mode
  accreditrack.ops.check_mode_info:
  register: probe

- name: Write only in a real run
  ansible.builtin.copy:
    content: "{{ data }}"
    dest: /tmp/data.json
    mode: "0600"
  when: not probe.check_mode
"""

RETURN = r"""
check_mode:
  description: Whether the task runs in check mode.
  returned: always
  type: bool
  sample: false
"""

from ansible.module_utils.basic import AnsibleModule


def main() -> None:
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.exit_json(changed=False, check_mode=module.check_mode)


if __name__ == "__main__":
    main()
