#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module: ansible.builtin.file and ansible.builtin.copy cannot create a file only if it does
# not exist - between their "stat" and their "write" a second run can take the same lock. Here the
# exclusive create is one system call (link(2) of a complete, fsynced temporary file).

from __future__ import annotations

DOCUMENTATION = r"""
module: deploy_lock
short_description: Take or release a deploy lock file, so that two deploys never run at once
version_added: 0.1.0
description:
  - With O(state=present), creates the lock file O(path) with the owner in it (O(run_id),
    O(owner), the target host and the time). The lock appears complete or not at all - the content
    is written and fsynced to a temporary file in the same directory, which is then hard-linked to
    O(path) (C(link) fails when the lock exists - one atomic, exclusive step) and removed. If the
    lock already exists, fails fast with who holds the lock and since when.
  - When the lock cannot be written (the file system is full or read-only, a quota, no
    permission), fails with a message naming the lock file and the problem (also in
    RV(write_error)); no lock is taken and none is left behind.
  - A lock is stale when it is older than O(stale_after) seconds, or when its owner ran on this
    same host and its process (C(owner.pid)) is gone. A stale lock is reported; it is replaced
    only with O(break_stale=true).
  - A lock left by a run whose host became unreachable is neither old nor provably gone. The
    operator breaks it with O(break_run_id) set to the run id the error message names - the lock is
    removed only if that run still holds it (a lock another run has taken since is never
    removed), reported in RV(broken) and as a warning (whose lock, since when, stale or not), and
    then taken by this run.
  - With O(state=absent), removes the lock file only if it belongs to O(run_id); a lock held by
    another run is left alone and reported as a warning.
  - Taking the lock again with the same O(run_id) succeeds without change (idempotent).
  - The action plugin of the same name fills in C(owner.user), C(owner.controller) and C(owner.pid)
    with the controller's user, host name and the pid of C(ansible-playbook) (unless given).
options:
  path:
    description: The lock file. Its directory is created with mode C(0700) if missing.
    type: path
    required: true
  state:
    description: V(present) takes the lock, V(absent) releases it.
    type: str
    default: present
    choices: [present, absent]
  run_id:
    description: Identifies this deploy run; only the run that took the lock may release it.
    type: str
    required: true
  owner:
    description:
      - Who takes the lock, written into the file, for example C(user), C(controller), C(pid),
        C(play_start). C(pid) and C(controller) are used for stale-lock detection.
    type: dict
    default: {}
  stale_after:
    description: A lock older than this many seconds is stale. V(0) disables the age test.
    type: int
    default: 7200
  break_stale:
    description: Replace a stale lock (it is reported). A lock that is not stale is never replaced.
    type: bool
    default: false
  break_run_id:
    description:
      - Break the lock of this run (the run id the failure message names), stale or not, then take
        the lock. Fails, removing nothing, when the lock is held by any other run. When no lock is
        found, the lock is simply taken (a warning says there was nothing to break).
      - For a run that cannot release its lock any more (its controller crashed, its host is
        unreachable). Make sure that run is really gone first.
      - A lock file that names no run (empty, unreadable, not JSON this module wrote - left by an
        older version on a full disk, say) is broken with V(unreadable-lock); the failure message
        names it.
    type: str
    default: ""
  break_run_id_hint:
    description:
      - How the operator breaks the lock of a named run with the caller - a role option or a
        playbook variable - written into the "lock held" failure message; C({run_id}) stands for
        the holder's run id. For example V(-e break_lock={run_id}) for a playbook,
        V(lock_check_break_lock={run_id}) for the lock_check role.
      - Empty names no way to break it (the message says to remove the lock file by hand).
    type: str
    default: "the module option break_run_id={run_id}"
  break_stale_hint:
    description:
      - How the operator replaces a stale lock with the caller (for example
        V(lock_check_break_stale_lock=true)), written into the message about a stale lock.
      - Empty (the default) offers no such way - only O(break_run_id_hint), which breaks a stale
        lock too. A caller that passes O(break_stale) from an option of its own names that option
        here.
    type: str
    default: ""
attributes:
  check_mode:
    support: full
    description: Nothing is written or removed; the result says what would happen.
  diff_mode:
    support: none
    description: Nothing to compare; the result shows the lock file found.
  platform:
    support: full
    platforms: posix
    description: Creates and removes a file on the managed host.
notes:
  - The collection's C(lock_check) role takes this lock in its main entry point and releases it in
    C(release_lock); the C(release) role's C(lock) and C(unlock) entry points do so for the
    playbooks.
author:
  - AccrediTrack operations team (@accreditrack)
"""

EXAMPLES = r"""
- name: Take the deploy lock of the project
  accreditrack.ops.deploy_lock:
    path: /var/lib/accreditrack-ops/locks/accreditrack.lock
    run_id: "{{ deploy_run_id }}"
    owner:
      user: "{{ lookup('ansible.builtin.env', 'USER') }}"

- name: Release it (in an always section)
  accreditrack.ops.deploy_lock:
    path: /var/lib/accreditrack-ops/locks/accreditrack.lock
    run_id: "{{ deploy_run_id }}"
    state: absent
"""

RETURN = r"""
acquired:
  description: Whether this run holds the lock now (V(false) in check mode).
  returned: state=present
  type: bool
  sample: true
released:
  description: Whether the lock file was removed (or would be, in check mode).
  returned: state=absent
  type: bool
  sample: true
holder:
  description: The content of the lock file found (the owner of the lock), or V(null).
  returned: always
  type: dict
  sample:
    run_id: 20261124T141800-4711
    since: "2026-11-24T14:18:00Z"
    since_epoch: 1795529880
    host: deploy01
    owner: {user: alice, controller: laptop, pid: 4711, play_start: "2026-11-24T14:17:58Z"}
stale:
  description: Whether the lock found is stale, and why.
  returned: always
  type: str
  sample: ""
broken:
  description:
    - The lock that was removed (in check mode, would be) - with O(break_stale=true) or
      O(break_run_id) - as it was in the lock file, plus C(broken_at) (UTC), C(broken_by) (this
      run's id), C(reason) and C(stale) (why it was stale, V("") when it was not).
  returned: when a lock was broken
  type: dict
  sample:
    run_id: 20261124T141800Z-4711
    since: "2026-11-24T14:18:00Z"
    owner: {user: alice, controller: laptop, pid: 4711}
    broken_at: "2026-11-24T16:02:11Z"
    broken_by: 20261124T160210Z-99
    reason: break_run_id
    stale: ""
write_error:
  description:
    - Why the lock file could not be written - the file system problem (full, read-only, quota,
      permission), not a lock held by another run. The failure message says the same.
  returned: when the lock file could not be written
  type: str
  sample: >-
    could not write the deploy lock /var/lib/accreditrack-ops/locks/accreditrack.lock: the file
    system is full (ENOSPC). No lock was taken and none is left behind; ...
lock_file:
  description: The lock file.
  returned: always
  type: str
  sample: /var/lib/accreditrack-ops/locks/accreditrack.lock
"""

import contextlib
import errno
import json
import os
import secrets
import socket
import time
from datetime import datetime, timezone
from typing import Any, Optional

from ansible.module_utils.basic import AnsibleModule


def read_lock(path: str) -> Optional[dict[str, Any]]:
    """The lock file's content, {} when unreadable, None when there is no lock file."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def staleness(
    holder: dict[str, Any], mtime: float, now: float, stale_after: int, hostname: str
) -> str:
    """Why the lock `holder` is stale ('' when it is not)."""
    since = holder.get("since_epoch")
    since = float(since) if isinstance(since, (int, float)) else mtime
    if stale_after and now - since > stale_after:
        return f"older than {stale_after}s ({int(now - since)}s)"
    owner = holder.get("owner") or {}
    pid = owner.get("pid")
    if owner.get("controller") == hostname and isinstance(pid, int) and not pid_alive(pid):
        return f"its owner process {pid} on {hostname} is gone"
    return ""


def describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "an unreadable lock file"
    owner = holder.get("owner") or {}
    who = owner.get("user") or "?"
    where = owner.get("controller") or "?"
    return (
        f"run {holder.get('run_id', '?')} of {who}@{where} (pid {owner.get('pid', '?')}), "
        f"since {holder.get('since', '?')}"
    )


# A lock without a run id (empty, unreadable, not the JSON this module writes) is broken with
# break_run_id set to this value - a name no generated run id takes (those start with a UTC time).
UNREADABLE_RUN_ID = "unreadable-lock"

# Errors of the file system, not of the lock: the message names them instead of "locked".
FS_ERRORS = {
    errno.ENOSPC: "the file system is full (ENOSPC)",
    errno.EDQUOT: "the disk quota is exceeded (EDQUOT)",
    errno.EROFS: "the file system is read-only (EROFS)",
    errno.EACCES: "permission denied (EACCES)",
    errno.EPERM: "operation not permitted (EPERM)",
}


class LockWriteError(Exception):
    """The lock file could not be written: a file system problem, not a lock held."""


def fs_problem(path: str, exc: OSError) -> LockWriteError:
    why = FS_ERRORS.get(exc.errno or 0) or (exc.strerror or str(exc))
    return LockWriteError(
        f"could not write the deploy lock {path}: {why}. No lock was taken and none is left "
        f"behind; free space or fix the file system of {os.path.dirname(path) or '.'}, "
        "then run again."
    )


def create_exclusive(path: str, content: dict[str, Any]) -> bool:
    """Create `path` with `content` if it does not exist; False if it already does.

    The lock appears complete or not at all: the content is written and fsynced to a temporary
    file in the same directory, which is then hard-linked to `path` (link(2) fails with EEXIST
    when the lock exists: the exclusive create is one system call). Raises LockWriteError on a
    file system problem (full, read-only, no permission); no file is left behind then.
    """
    directory = os.path.dirname(path) or "."
    data = (json.dumps(content, indent=2, sort_keys=True) + "\n").encode("utf-8")
    # ".taking.": never the name of a lock (nor of a ".stale." lock moved aside to be removed).
    temp = os.path.join(
        directory, f".{os.path.basename(path)}.taking.{os.getpid()}.{secrets.token_hex(4)}"
    )
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise fs_problem(path, exc) from exc
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return True
    except OSError as exc:
        raise fs_problem(path, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def same_lock(one: Optional[dict[str, Any]], other: Optional[dict[str, Any]]) -> bool:
    """Whether two readings of a lock file are the same lock (run and time taken)."""
    if one is None or other is None:
        return False
    keys = ("run_id", "since_epoch")
    return all(one.get(key) == other.get(key) for key in keys)


def remove_if_unchanged(path: str, holder: dict[str, Any]) -> Optional[bool]:
    """Remove the lock file if it still is the lock `holder` that was read.

    The file is first moved aside (of two runs breaking the same lock, one rename wins), then the
    moved file is read again: if another run took the lock in between, it is put back. True when
    removed, False when the lock changed (left in place), None when there was no file any more.
    """
    # ".stale.": the name the lock_check scenario looks for leftovers by.
    aside = f"{path}.stale.{os.getpid()}"
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return None
    if same_lock(read_lock(aside), holder):
        os.unlink(aside)
        return True
    with contextlib.suppress(FileExistsError):
        os.link(aside, path)  # put it back, unless yet another lock appeared meanwhile
    os.unlink(aside)
    return False


def holder_run_id(holder: dict[str, Any]) -> str:
    """The run id that breaks `holder`: its own, or UNREADABLE_RUN_ID for a lock naming none."""
    run_id = holder.get("run_id")
    return str(run_id) if run_id else UNREADABLE_RUN_ID


def break_reason(holder: dict[str, Any], stale: str, p: dict[str, Any]) -> str:
    """Why this run may remove `holder` ('' when it may not)."""
    if p["break_run_id"] and holder_run_id(holder) == p["break_run_id"]:
        return "break_run_id"
    if stale and p["break_stale"]:
        return "break_stale"
    return ""


def held_message(path: str, holder: dict[str, Any], stale: str, p: dict[str, Any]) -> str:
    """The failure message for a lock this run may not remove: who holds it, how to get past it.

    The ways out are named in the caller's terms (break_run_id_hint, break_stale_hint): a playbook
    breaks a lock with `-e break_lock=<run id>`, the lock_check role with its own options.
    """
    run_id = holder.get("run_id")
    by_run_id = (p.get("break_run_id_hint") or "").replace("{run_id}", holder_run_id(holder))
    by_stale = p.get("break_stale_hint") or ""
    by_hand = f"remove the lock file {path} by hand"
    if p["break_run_id"]:
        text = (
            f"Refusing to break the deploy lock {path}: it is held by {describe(holder)}, "
            f"not by run {p['break_run_id']} (break_run_id). Another run may have taken it since; "
            "nothing was removed."
        )
    elif stale:
        text = (
            f"A stale deploy lock {path} is in the way ({stale}): {describe(holder)}. "
            "Check that this deploy is really gone, then "
        )
        ways = [f"{by_stale} to replace it"] if by_stale else []
        ways += [by_run_id] if by_run_id else []
        if not ways:
            return f"{text}{by_hand}."
        return f"{text}run again with {', or with '.join(ways)}."
    else:
        text = f"Another deploy holds the lock {path}: {describe(holder)}. Wait until it is done."
    if run_id and by_run_id:
        return (
            f"{text} If you are sure run {run_id} is gone (its controller stopped, its host is "
            f"unreachable), break its lock and go on with {by_run_id}: only a lock "
            "that run still holds is removed."
        )
    if run_id:
        return f"{text} If you are sure run {run_id} is gone, {by_hand}."
    text = (
        f"{text} The lock file names no run (it is empty, unreadable or not a lock this module "
        "wrote - a run that could not write it, an older version)"
    )
    if by_run_id:
        return (
            f"{text}: if you are sure no deploy runs, break it and go on with {by_run_id} "
            "(only a lock file that still names no run is removed)."
        )
    return f"{text}: if no deploy runs, {by_hand}."


def acquire(module: AnsibleModule, result: dict[str, Any]) -> None:
    p = module.params
    path = p["path"]
    hostname = socket.gethostname()
    now = time.time()
    content = {
        "run_id": p["run_id"],
        "owner": p["owner"],
        "host": hostname,
        "since": utc(now),
        "since_epoch": int(now),
    }
    directory = os.path.dirname(path)
    try:
        if not module.check_mode and directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o700, exist_ok=True)
        take(module, result, content, now)
    except LockWriteError as exc:
        result["write_error"] = str(exc)
        module.fail_json(msg=str(exc), **result)
    except OSError as exc:
        result["write_error"] = str(fs_problem(path, exc))
        module.fail_json(msg=result["write_error"], **result)


def take(
    module: AnsibleModule, result: dict[str, Any], content: dict[str, Any], now: float
) -> None:
    """Take the lock (acquire()'s loop); raises LockWriteError on a file system problem."""
    p = module.params
    path = p["path"]
    hostname = content["host"]
    for _attempt in range(3):
        holder = read_lock(path)
        if holder is None:
            if p["break_run_id"] and "broken" not in result:
                module.warn(
                    f"no deploy lock of run {p['break_run_id']} to break (break_run_id): "
                    f"{path} does not exist"
                )
            if module.check_mode:
                result.update(changed=True, msg=f"would take the deploy lock {path}")
                return
            if create_exclusive(path, content):
                result.update(changed=True, acquired=True, holder=content)
                return
            continue  # another run created it in between: look at it again
        result["holder"] = holder
        if holder.get("run_id") == p["run_id"]:
            result.update(acquired=not module.check_mode, msg="this run already holds the lock")
            return
        try:
            mtime = os.stat(path).st_mtime
        except FileNotFoundError:
            continue
        stale = staleness(holder, mtime, now, p["stale_after"], hostname)
        result["stale"] = stale
        reason = break_reason(holder, stale, p)
        if not reason:
            module.fail_json(msg=held_message(path, holder, stale, p), **result)
        broken = dict(holder, broken_at=utc(time.time()), broken_by=p["run_id"])
        broken.update(reason=reason, stale=stale)
        note = f" ({stale})" if stale else " (not stale)"
        if module.check_mode:
            msg = f"would break the deploy lock {path} of {describe(holder)}{note} ({reason})"
            result.update(changed=True, broken=broken, msg=msg)
            module.warn(msg)
            return
        removed = remove_if_unchanged(path, holder)
        if removed is False:
            continue  # another run took the lock meanwhile: judge that one
        if removed:
            result["broken"] = broken
            module.warn(f"broke the deploy lock {path} of {describe(holder)}{note} ({reason})")
    holder = read_lock(path)
    module.fail_json(
        msg=f"could not take the deploy lock {path}: {describe(holder or {})}", **result
    )


def release(module: AnsibleModule, result: dict[str, Any]) -> None:
    path = module.params["path"]
    holder = read_lock(path)
    result["holder"] = holder
    if holder is None:
        result["msg"] = "no lock to release"
        return
    if holder.get("run_id") != module.params["run_id"]:
        module.warn(f"the deploy lock {path} belongs to {describe(holder)}: left in place")
        return
    if not module.check_mode:
        try:
            os.unlink(path)
        except FileNotFoundError:
            return
    result.update(changed=True, released=True)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
            "run_id": {"type": "str", "required": True},
            "owner": {"type": "dict", "default": {}},
            "stale_after": {"type": "int", "default": 7200},
            "break_stale": {"type": "bool", "default": False},
            "break_run_id": {"type": "str", "default": ""},
            "break_run_id_hint": {
                "type": "str",
                "default": "the module option break_run_id={run_id}",
            },
            "break_stale_hint": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    if not module.params["run_id"]:
        module.fail_json(msg="run_id must not be empty")
    result: dict[str, Any] = {"changed": False, "lock_file": module.params["path"], "stale": ""}
    if module.params["state"] == "present":
        result.update(acquired=False, holder=None)
        acquire(module, result)
    else:
        result.update(released=False, holder=None)
        release(module, result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
