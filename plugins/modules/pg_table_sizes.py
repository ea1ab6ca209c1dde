#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module and not community.postgresql.postgresql_info or postgresql_query: the database of a
# Compose deployment usually publishes no port and keeps its credentials in the db container, so
# the catalog query runs INSIDE that container (`docker compose exec -T db psql`), which those
# modules cannot do (the same reason as pg_schema_fingerprint).

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_table_sizes
short_description: Read the rows and bytes of tables of a Compose PostgreSQL service's database
version_added: 0.1.0
description:
  - Reads the size of each table of O(tables) from PostgreSQL's catalog with C(psql) inside the
    database container of a Compose project (C(docker compose exec -T)), for the big-table rules
    of the migration review (P(accreditrack.ops.migration_review#filter), option C(table_sizes)).
  - C(rows) is an estimate, never counted (a count reads the whole of a big table) - the
    larger of the planner's C(pg_class.reltuples) and the statistics' C(n_live_tup) of
    C(pg_stat_all_tables). C(reltuples) is C(-1) for a table never vacuumed or analyzed
    (PostgreSQL 14+; C(0) before), when C(n_live_tup) still counts the rows inserted since the
    statistics were last reset; taking the larger errs towards calling a table big.
  - C(bytes) is C(pg_total_relation_size) - heap, indexes and TOAST, what a rewrite rewrites.
  - A partitioned table's size is the sum of its leaf partitions.
  - Reads only; nothing is locked beyond the catalog rows read. Runs the same in check mode.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
  - accreditrack.ops.compose_db.catalog_reader
options:
  tables:
    description:
      - The tables, named as Django names them (C(db_table),
        RV(accreditrack.ops.django_migrate#module:lock_targets.tables)) - C(table), or
        C(schema.table) (quoted parts such as C("Sales"."Order") keep their case).
      - An unqualified name is looked up in the search path of O(db_user), as Django's SQL is.
      - An empty list reads nothing and returns empty results.
    type: list
    elements: str
    required: true
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.django_migrate
  - module: accreditrack.ops.pg_schema_fingerprint
"""

EXAMPLES = r"""
- name: Plan the migrations, with their SQL and the tables they lock
  accreditrack.ops.django_migrate:
    project_src: /srv/accreditrack
    schema_changes: true
    lock_targets: true
  check_mode: true
  register: pending

- name: Read the size of the tables the plan locks
  accreditrack.ops.pg_table_sizes:
    project_src: /srv/accreditrack
    tables: "{{ pending.lock_targets.tables }}"
  register: sizes

- name: Review the plan, with the big-table rules
  ansible.builtin.debug:
    msg: >-
      {{ (pending.plan | accreditrack.ops.migration_review(running=running,
          sql=pending.lock_targets_sql, table_sizes=sizes.tables,
          existing_tables=pending.lock_targets.tables)).message }}
"""

RETURN = r"""
tables:
  description: The size of each table found, keyed by its name as O(tables) gave it.
  returned: success
  type: dict
  contains:
    rows:
      description: Estimated rows (the larger of C(reltuples) and C(n_live_tup)).
      type: int
    bytes:
      description: C(pg_total_relation_size) - heap, indexes and TOAST.
      type: int
  sample:
    accounts_member: {rows: 1250000, bytes: 412090368}
    accounts_organization: {rows: 40, bytes: 65536}
missing:
  description: Names of O(tables) no table, partitioned table or materialized view has.
  returned: success
  type: list
  elements: str
  sample: [courses_course]
database:
  description: The database read.
  returned: when O(tables) is not empty
  type: str
  sample: accreditrack
"""

import json
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    compose_argument_spec,
    read_catalog,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._sql_review import table_key

APPLICATION_NAME = "accreditrack-ops-table-sizes"

# :'names' is psql's quoted variable: [[name as given, schema or null, table], ...]. One JSON object
# {name: {rows, bytes} or null}; null for a name that is no table (missing).
SIZES_SQL = r"""
WITH wanted AS (
  SELECT w->>0 AS name,
         to_regclass(CASE WHEN w->>1 IS NULL THEN format('%I', w->>2)
                          ELSE format('%I.%I', w->>1, w->>2) END) AS oid
    FROM json_array_elements(:'names'::json) AS w
), found AS (
  SELECT w.name, c.oid, c.relkind
    FROM wanted w JOIN pg_class c ON c.oid = w.oid
   WHERE c.relkind IN ('r', 'p', 'm')
)
SELECT coalesce(json_object_agg(w.name, CASE WHEN f.oid IS NOT NULL THEN (
  SELECT json_build_object(
           'rows', coalesce(sum(greatest(p.reltuples, coalesce(s.n_live_tup, 0), 0)), 0)::bigint,
           'bytes', coalesce(sum(pg_total_relation_size(p.oid)), 0)::bigint)
    FROM pg_class p LEFT JOIN pg_stat_all_tables s ON s.relid = p.oid
   WHERE (f.relkind <> 'p' AND p.oid = f.oid)
      OR (f.relkind = 'p' AND p.oid IN (SELECT relid FROM pg_partition_tree(f.oid) WHERE isleaf))
) END), '{}')
  FROM wanted w LEFT JOIN found f ON f.name = w.name;
"""


def names_argument(tables: list[str]) -> tuple[list[str], str]:
    """(the distinct names in order, the JSON psql gets as :'names')."""
    names = list(dict.fromkeys(str(t) for t in tables))
    rows = []
    for name in names:
        parts = table_key(name).split(".")
        rows.append([name, ".".join(parts[:-1]) or None, parts[-1]])
    return names, json.dumps(rows)


def parse_sizes(output: str, names: list[str]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """(tables, missing) from psql's one JSON object; ValueError when it is not that."""
    found = json.loads((output or "").strip() or "null")
    if not isinstance(found, dict):
        raise ValueError(f"not the sizes' JSON object: {(output or '')[:200]!r}")
    tables: dict[str, dict[str, int]] = {}
    missing = []
    for name in names:
        size = found.get(name)
        if size is None:
            missing.append(name)
        else:
            tables[name] = {"rows": int(size["rows"]), "bytes": int(size["bytes"])}
    return tables, missing


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        {
            "tables": {"type": "list", "elements": "str", "required": True},
            "db_name": {"type": "str"},
            "db_user": {"type": "str"},
        }
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    names, names_json = names_argument(p["tables"])
    answer: dict[str, Any] = {"changed": False, "tables": {}, "missing": []}
    if not names:
        module.exit_json(**answer)
    database, out, _argv = read_catalog(
        module, SIZES_SQL, APPLICATION_NAME, "the table sizes", ["-v", f"names={names_json}"]
    )
    try:
        answer["tables"], answer["missing"] = parse_sizes(out, names)
    except (ValueError, KeyError, TypeError) as exc:
        module.fail_json(msg=f"Could not read the table sizes of database {database}: {exc}")
    module.exit_json(database=database, **answer)


if __name__ == "__main__":
    main()
