#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module: ansible.builtin.copy cannot create the private directory the file goes into, so a
# report needed ansible.builtin.file first, and copy itself makes two round trips (stat, then the
# copy). Every run writes a report: here directory, temporary file, fsync and rename are one task.

from __future__ import annotations

DOCUMENTATION = r"""
module: json_file
short_description: Write a JSON document to a private file, atomically
version_added: 0.1.0
description:
  - Serialises O(content) as JSON and writes it to O(path) through a temporary file in the same
    directory (created with O(mode)), C(fsync), C(rename) and an C(fsync) of the directory, so a
    reader never sees half a file and a crash leaves the old file or the new one.
  - Creates the missing directories of O(path) with O(directory_mode) and sets O(directory_mode)
    on the file's own directory (it is this file's private directory, as
    M(ansible.builtin.file) with C(state=directory) would).
  - Reports V(changed=true) when the file did not exist or its content or mode differs.
options:
  path:
    description: The file to write.
    type: path
    required: true
  content:
    description: The document (a mapping or a list).
    type: raw
    required: true
  indent:
    description: Indentation of the JSON; V(0) writes it on one line.
    type: int
    default: 2
  mode:
    description: Permissions of the file, an octal string such as V("0600") or an integer.
    type: raw
    default: "0600"
  directory_mode:
    description: Permissions of the file's directory (and of the directories it creates).
    type: raw
    default: "0700"
attributes:
  check_mode:
    support: full
    description: Reports whether the file would change; writes nothing.
  diff_mode:
    support: none
    description: The content is returned in no diff (a report can be long).
  platform:
    support: full
    platforms: posix
    description: Writes on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Write the deploy report
  accreditrack.ops.json_file:
    path: /var/lib/accreditrack-ops/reports/accreditrack/20260101T000000Z-update.json
    content:
      outcome: success
      release: {before: v1, after: v2}
"""

RETURN = r"""
path:
  description: O(path).
  returned: always
  type: str
  sample: /var/lib/accreditrack-ops/reports/accreditrack/20260101T000000Z-update.json
size:
  description: Size of the JSON text in bytes.
  returned: always
  type: int
  sample: 2817
"""

import json
import os
import secrets
from typing import Any, Optional

from ansible.module_utils.basic import AnsibleModule


def parse_mode(value: Any, name: str) -> int:
    """An octal string (V("0600")) or an integer as a permission mode; raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an octal string such as '0600' or an integer")
    if isinstance(value, int):
        mode = value
    else:
        try:
            mode = int(str(value), 8)
        except ValueError:
            raise ValueError(
                f"{name} must be an octal string such as '0600' or an integer, not {value!r}"
            ) from None
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"{name} {value!r} is not a permission mode")
    return mode


def render(content: Any, indent: int) -> bytes:
    """The JSON text with a final newline; keys sorted, so the same document is the same bytes."""
    if not isinstance(content, (dict, list)):
        raise ValueError(f"content must be a mapping or a list, not {type(content).__name__}")
    text = json.dumps(content, indent=indent or None, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def current(path: str) -> tuple[Optional[bytes], Optional[int]]:
    """The file's bytes and mode, or (None, None) when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), os.fstat(handle.fileno()).st_mode & 0o7777
    except FileNotFoundError:
        return None, None


def make_directories(path: str, mode: int) -> bool:
    """Create ``path`` and its missing parents with ``mode`` (existing parents are left as they
    are) and set ``mode`` on ``path`` itself. Returns whether anything changed."""
    changed = False
    if not os.path.isdir(path):
        parent = os.path.dirname(path.rstrip("/"))
        if parent and parent != path and not os.path.isdir(parent):
            make_directories(parent, mode)
        os.mkdir(path, mode)
        changed = True
    if os.stat(path).st_mode & 0o7777 != mode:
        os.chmod(path, mode)  # also when the umask narrowed the mkdir
        changed = True
    return changed


def write_atomically(path: str, data: bytes, mode: int) -> None:
    """Temporary file (``mode``, exclusive), write, fsync, rename over ``path``, fsync the dir."""
    directory = os.path.dirname(path) or "."
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not change it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.rename(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "content": {"type": "raw", "required": True},
            "indent": {"type": "int", "default": 2},
            "mode": {"type": "raw", "default": "0600"},
            "directory_mode": {"type": "raw", "default": "0700"},
        },
        supports_check_mode=True,
    )
    path = module.params["path"]
    result: dict[str, Any] = {"changed": False, "path": path}
    try:
        mode = parse_mode(module.params["mode"], "mode")
        directory_mode = parse_mode(module.params["directory_mode"], "directory_mode")
        data = render(module.params["content"], module.params["indent"])
    except ValueError as error:
        module.fail_json(msg=str(error), **result)
    result["size"] = len(data)
    if os.path.isdir(path):
        module.fail_json(msg=f"{path} is a directory", **result)
    directory = os.path.dirname(path) or "."
    old_data, old_mode = current(path) if os.path.isdir(directory) else (None, None)
    directory_ok = (
        os.path.isdir(directory) and os.stat(directory).st_mode & 0o7777 == directory_mode
    )
    result["changed"] = old_data != data or old_mode != mode or not directory_ok
    if module.check_mode or not result["changed"]:
        module.exit_json(**result)
    try:
        make_directories(directory, directory_mode)
        if old_data != data:
            write_atomically(path, data, mode)
        elif old_mode != mode:
            os.chmod(path, mode)
    except OSError as error:
        module.fail_json(msg=f"could not write {path}: {error}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
