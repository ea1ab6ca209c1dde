#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module and not community.postgresql.postgresql_query in a retry loop: the database of a
# Compose deployment usually publishes no port and its credentials live in the db container, so
# the query has to run INSIDE that container (`docker compose exec -T db psql`), which
# postgresql_query cannot do. Polling, optional termination and the report also belong in one
# task: an `until` loop cannot terminate between polls or say which sessions it waited for.
# The lock_check role uses postgresql_query (with the same SQL and the same pure functions, through
# the accreditrack.ops.pg_lock_offenders filter) when the database is reachable directly.

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_lock_wait
short_description: Wait until no session of a Compose PostgreSQL service is in a migration's way
version_added: 0.1.0
description:
  - Runs a lock inspection query (the lock_check role's C(inspect.sql)) with C(psql) inside the
    database container of a Compose project (C(docker compose exec -T)), and repeats it every
    O(interval) seconds until nothing is in the way of a migration or O(timeout) has passed.
  - In the way are sessions whose transaction is older than O(max_xact_age), sessions idle in
    transaction, sessions holding or waiting for a lock on one of O(tables) (every table of the
    database when O(tables) is empty), orphaned prepared transactions, a running C(pg_dump) and an
    anti-wraparound autovacuum. The checking session itself and other databases are ignored.
  - When O(timeout) runs out, fails with a table of the offenders (pid, user, application, state,
    transaction age, lock, reason, query) and what to do about them.
  - With O(terminate=true), ends offending sessions with C(pg_terminate_backend()) - by default only
    sessions idle in transaction for longer than O(terminate_idle_age) - and reports each one.
    Prepared transactions, C(pg_dump) and anti-wraparound autovacuum are never terminated.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  query:
    description:
      - The inspection query. It must print one JSON document with C(database), C(sessions) and
        C(prepared), like C(roles/lock_check/files/inspect.sql) of this collection, which the
        lock_check role passes with C(lookup('ansible.builtin.file', 'inspect.sql')).
    type: str
    required: true
  db_name:
    description:
      - The database to inspect. Default is C(POSTGRES_DB) of the service's container, else
        the user.
    type: str
  db_user:
    description:
      - The role C(psql) connects as (through the container's local socket, no password).
      - Default is C(POSTGRES_USER) of the service's container, else V(postgres).
      - Terminating sessions of other roles needs a superuser or C(pg_signal_backend).
    type: str
  tables:
    description:
      - Tables the migration will lock (bare names mean schema C(public), or C(schema.table)).
      - Empty checks every table of the database.
    type: list
    elements: str
    default: []
  max_xact_age:
    description: A transaction open for at least this many seconds is in the way.
    type: float
    default: 300
  idle_in_xact_age:
    description: A session idle in transaction for at least this many seconds is in the way.
    type: float
    default: 0
  lock_min_age:
    description:
      - A lock on a target table counts when its transaction (or query) is at least this many
        seconds old, so that the short queries of a busy application do not count.
    type: float
    default: 1
  prepared_xact_age:
    description: A prepared transaction at least this many seconds old counts as orphaned.
    type: float
    default: 0
  timeout:
    description: How long to wait for the offenders to go away, in seconds. V(0) checks once.
    type: float
    default: 60
  interval:
    description: Seconds between two inspections.
    type: float
    default: 2
  terminate:
    description: End offending sessions with C(pg_terminate_backend()) (see O(terminate_scope)).
    type: bool
    default: false
  terminate_scope:
    description:
      - V(idle_in_transaction) ends only sessions idle in transaction for longer than
        O(terminate_idle_age).
      - V(all_blockers) ends every offending session (not prepared transactions, C(pg_dump) or
        anti-wraparound autovacuum).
    type: str
    default: idle_in_transaction
    choices: [idle_in_transaction, all_blockers]
  terminate_idle_age:
    description: With O(terminate_scope=idle_in_transaction), the idle time in seconds after which a
      session is ended.
    type: float
    default: 60
attributes:
  check_mode:
    support: full
    description:
      - The inspection is read-only and runs in check mode too. Nothing is terminated; the sessions
        that would be are returned in RV(would_terminate) and no longer count as offenders.
  diff_mode:
    support: none
    description: Terminations are listed in RV(terminated); there is no diff.
  platform:
    support: full
    platforms: posix
    description: Runs C(docker compose) on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
notes:
  - The statements run in the container's C(psql) over the local socket; no password travels.
  - A session is terminated only if it is still in the same transaction (pid and transaction start
    unchanged) and, for V(idle_in_transaction), still idle in it.
  - The collection's C(lock_check) role finds the tables from C(sqlmigrate) and calls this module.
seealso:
  - module: community.postgresql.postgresql_query
"""

EXAMPLES = r"""
- name: Wait up to a minute until nothing holds a lock on the tables the migration alters
  accreditrack.ops.pg_lock_wait:
    query: "{{ lookup('ansible.builtin.file', 'inspect.sql') }}"
    project_src: /srv/accreditrack
    tables: [accounts_organization, accounts_member]
    timeout: 60

- name: End sessions idle in transaction for more than 2 minutes, then wait for the rest
  accreditrack.ops.pg_lock_wait:
    query: "{{ lookup('ansible.builtin.file', 'inspect.sql') }}"
    project_src: /srv/accreditrack
    terminate: true
    terminate_idle_age: 120
  register: locks

- name: Show what was terminated
  ansible.builtin.debug:
    var: locks.terminated
"""

RETURN = r"""
database:
  description: The database that was inspected.
  returned: success or timeout
  type: str
  sample: accreditrack
tables:
  description: The target tables (empty for the whole database).
  returned: always
  type: list
  elements: str
  sample: [accounts_organization]
offenders:
  description: What is still in the way at the end (empty on success), oldest transaction first.
  returned: success or timeout
  type: list
  elements: dict
  contains:
    kind:
      description: V(session) or V(prepared).
      type: str
    pid:
      description: Backend pid (V(null) for a prepared transaction).
      type: int
    user:
      description: Role name.
      type: str
    application:
      description: C(application_name) (C(gid=...) for a prepared transaction).
      type: str
    state:
      description: C(pg_stat_activity.state).
      type: str
    xact_age:
      description: Age of the transaction in seconds.
      type: float
    locks:
      description: Locks on target tables, each C(relation), C(mode), C(granted).
      type: list
      elements: dict
    reasons:
      description:
        - Why it is in the way - V(long_transaction), V(idle_in_transaction), V(table_lock),
          V(prepared_transaction), V(pg_dump), V(wraparound_autovacuum).
      type: list
      elements: str
    query:
      description: The last query of the session (up to 2000 characters).
      type: str
  sample:
    - kind: session
      pid: 197
      user: accreditrack
      application: worker
      state: idle in transaction
      xact_age: 84.2
      locks: [{relation: public.accounts_organization, mode: AccessShareLock, granted: true}]
      reasons: [idle_in_transaction, table_lock]
      query: SELECT 1;
initial_offenders:
  description: The offenders of the first inspection (what the module waited for).
  returned: success or timeout
  type: list
  elements: dict
  sample: []
terminated:
  description: Sessions that were terminated, as they were when the decision was taken.
  returned: success or timeout
  type: list
  elements: dict
  sample: [{pid: 197, user: accreditrack, application: worker, state: idle in transaction}]
would_terminate:
  description: In check mode, the sessions that would have been terminated.
  returned: success or timeout
  type: list
  elements: dict
  sample: []
not_terminable:
  description:
    - The offenders left at the end that termination never ends, whatever O(terminate) and
      O(terminate_scope) say - prepared transactions (no session), C(pg_dump) (a backup in progress)
      and anti-wraparound autovacuum - each with C(kind), C(pid), C(gid), C(application),
      C(reasons) and C(why_not).
  returned: success or timeout
  type: list
  elements: dict
  sample:
    - kind: prepared
      pid: null
      gid: ats_orphan
      application: gid=ats_orphan
      reasons: [prepared_transaction]
      why_not: a prepared transaction has no session to terminate
polls:
  description: Number of inspections.
  returned: success or timeout
  type: int
  sample: 3
waited:
  description: Seconds spent waiting.
  returned: success or timeout
  type: float
  sample: 4.1
report:
  description: The table of offenders and the remedies; empty when nothing is in the way.
  returned: success or timeout
  type: str
  sample: ""
"""

import json
import time
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_project import (
    compose_argv_of,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    compose_argument_spec,
    container_env,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_locks import (
    classify,
    not_terminable,
    parse_snapshot,
    report,
    terminate_candidates,
)

APPLICATION_NAME = "accreditrack-ops-lock-check"

# Ends a session only while it is in the transaction the decision was taken on.
TERMINATE_SQL = """
SELECT json_agg(json_build_object('pid', a.pid, 'terminated', pg_terminate_backend(a.pid)))
  FROM pg_stat_activity a
  JOIN json_to_recordset(:'targets'::json) AS t(pid int, xact_start timestamptz, idle_only bool)
    ON t.pid = a.pid AND t.xact_start = a.xact_start
 WHERE a.datname = current_database()
   AND (NOT t.idle_only OR a.state IN ('idle in transaction', 'idle in transaction (aborted)'));
"""


class LockWaiter:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.base = compose_argv_of(self.params)

    def run(self, argv: list[str], data: str | None = None) -> str:
        rc, out, err = self.module.run_command(
            argv, data=data, binary_data=True, cwd=self.params["project_src"]
        )
        if rc != 0:
            self.module.fail_json(
                msg=f"command failed (rc={rc}): {err.strip() or out.strip()}", cmd=argv, rc=rc
            )
        return out

    def container_env(self, name: str) -> str:
        return container_env(self.module, self.base, self.params["service"], name)

    def psql_argv(self, *extra: str) -> list[str]:
        return [
            *self.base,
            "exec",
            "-T",
            "-e",
            f"PGAPPNAME={APPLICATION_NAME}",
            self.params["service"],
            "psql",
            "-X",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            self.user,
            "-d",
            self.database,
            *extra,
            "-f",
            "-",
        ]

    def inspect(self) -> dict[str, Any]:
        out = self.run(self.psql_argv(), data=self.params["query"])
        try:
            return parse_snapshot(out)
        except ValueError as error:
            self.module.fail_json(msg=str(error))
            raise  # unreachable: fail_json exits

    def terminate(self, offenders: list[dict[str, Any]]) -> list[int]:
        idle_only = self.params["terminate_scope"] == "idle_in_transaction"
        targets = [
            {"pid": o["pid"], "xact_start": o.get("xact_start"), "idle_only": idle_only}
            for o in offenders
        ]
        out = self.run(self.psql_argv("-v", f"targets={json.dumps(targets)}"), data=TERMINATE_SQL)
        rows = json.loads(out.strip() or "null") or []
        return [row["pid"] for row in rows if row.get("terminated")]

    def offenders(self, snapshot: dict[str, Any]) -> list[dict[str, Any]]:
        p = self.params
        return classify(
            snapshot,
            p["tables"],
            max_xact_age=p["max_xact_age"],
            idle_in_xact_age=p["idle_in_xact_age"],
            lock_min_age=p["lock_min_age"],
            prepared_xact_age=p["prepared_xact_age"],
        )

    def main(self) -> None:
        p = self.params
        self.user = p["db_user"] or self.container_env("POSTGRES_USER") or "postgres"
        self.database = p["db_name"] or self.container_env("POSTGRES_DB") or self.user
        start = time.monotonic()
        deadline = start + p["timeout"]
        polls = 0
        initial = None
        terminated: list[dict[str, Any]] = []
        would_terminate: list[dict[str, Any]] = []
        attempted: set[tuple[int, Any]] = set()
        while True:
            snapshot = self.inspect()
            polls += 1
            offenders = self.offenders(snapshot)
            if initial is None:
                initial = offenders
            if p["terminate"]:
                pids = terminate_candidates(
                    offenders, p["terminate_scope"], p["terminate_idle_age"]
                )
                chosen = [
                    o
                    for o in offenders
                    if o.get("pid") in pids and (o["pid"], o.get("xact_start")) not in attempted
                ]
                if chosen and self.module.check_mode:
                    would_terminate += chosen
                    attempted.update((o["pid"], o.get("xact_start")) for o in chosen)
                elif chosen:
                    attempted.update((o["pid"], o.get("xact_start")) for o in chosen)
                    ended = set(self.terminate(chosen))
                    terminated += [o for o in chosen if o["pid"] in ended]
                    if ended:
                        time.sleep(0.2)  # the backend needs a moment to exit
                        continue
            if self.module.check_mode:
                skipped = {o["pid"] for o in would_terminate}
                offenders = [o for o in offenders if o.get("pid") not in skipped or not o["pid"]]
            now = time.monotonic()
            if not offenders or now >= deadline:
                break
            time.sleep(max(0.0, min(p["interval"], deadline - now)))
        waited = round(time.monotonic() - start, 1)
        result = {
            "changed": bool(terminated or would_terminate),
            "database": snapshot.get("database", self.database),
            "tables": p["tables"],
            "offenders": offenders,
            "initial_offenders": initial or [],
            "terminated": [_summary(o) for o in terminated],
            "would_terminate": [_summary(o) for o in would_terminate],
            "not_terminable": not_terminable(offenders),
            "polls": polls,
            "waited": waited,
            "report": "",
        }
        if offenders:
            result["report"] = report(
                offenders,
                database=result["database"],
                waited=waited,
                tables=p["tables"],
                terminate_enabled=p["terminate"],
            )
            self.module.fail_json(msg=result["report"], **result)
        self.module.exit_json(**result)


def _summary(offender: dict[str, Any]) -> dict[str, Any]:
    keys = ("pid", "user", "application", "client", "state", "xact_age", "reasons", "query")
    return {key: offender.get(key) for key in keys}


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        {
            "query": {"type": "str", "required": True},
            "db_name": {"type": "str"},
            "db_user": {"type": "str"},
            "tables": {"type": "list", "elements": "str", "default": []},
            "max_xact_age": {"type": "float", "default": 300},
            "idle_in_xact_age": {"type": "float", "default": 0},
            "lock_min_age": {"type": "float", "default": 1},
            "prepared_xact_age": {"type": "float", "default": 0},
            "timeout": {"type": "float", "default": 60},
            "interval": {"type": "float", "default": 2},
            "terminate": {"type": "bool", "default": False},
            "terminate_scope": {
                "type": "str",
                "default": "idle_in_transaction",
                "choices": ["idle_in_transaction", "all_blockers"],
            },
            "terminate_idle_age": {"type": "float", "default": 60},
        }
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["interval"] <= 0 or module.params["timeout"] < 0:
        module.fail_json(msg="interval must be > 0 and timeout >= 0")
    LockWaiter(module).main()


if __name__ == "__main__":
    main()
