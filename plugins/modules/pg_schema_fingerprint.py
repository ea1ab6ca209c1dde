#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module and not community.postgresql.postgresql_info: the database of a Compose deployment
# usually publishes no port and keeps its credentials in the db container, so the catalog query
# runs INSIDE that container (`docker compose exec -T db psql`), which postgresql_info cannot do;
# and postgresql_info reports no column defaults, constraint or index definitions in a form that
# compares across a backward migration or a restore (module_utils/_pg_schema.py).

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_schema_fingerprint
short_description: Read the schema fingerprint of a Compose PostgreSQL service's database
version_added: 0.1.0
description:
  - Reads PostgreSQL's catalog with C(psql) inside the database container of a Compose project
    (C(docker compose exec -T)) and returns one text line per relation, column (type, NOT NULL,
    default), constraint (its definition), index (its definition) and view of every schema that is
    not PostgreSQL's own, with the sha256 of the sorted lines.
  - Column order, OIDs, owners, privileges, statistics and sequence positions are left out, so
    the fingerprint of a schema migrated forward and back again, or restored from a dump, equals
    the fingerprint taken before.
  - With O(expected), compares the fingerprint with an earlier one (a rollback point's) and
    returns what differs; it does not fail on a difference (the caller decides).
  - The rollback role compares the rollback point's fingerprint after it rolled back, because
    C(django_migrations) equal to the point does not prove the schema is (a non-atomic migration
    killed half-way leaves committed columns no row of C(django_migrations) names).
extends_documentation_fragment:
  - accreditrack.ops.compose_db
  - accreditrack.ops.compose_db.catalog_reader
options:
  expected:
    description:
      - An earlier fingerprint (this module's C(fingerprint) result, for example from a rollback
        point) to compare with. Only its C(sha256) and C(lines) are read.
    type: dict
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: accreditrack.ops.django_migrations_info
"""

EXAMPLES = r"""
- name: Fingerprint the schema before migrating
  accreditrack.ops.pg_schema_fingerprint:
    project_src: /srv/accreditrack
  register: schema_before

- name: Compare after a rollback
  accreditrack.ops.pg_schema_fingerprint:
    project_src: /srv/accreditrack
    expected: "{{ schema_before.fingerprint }}"
  register: schema_after
  failed_when: not schema_after.difference.same
"""

RETURN = r"""
fingerprint:
  description: The schema's fingerprint.
  returned: success
  type: dict
  contains:
    sha256:
      description: sha256 of the sorted lines, each ended by a newline.
      type: str
    objects:
      description: How many lines (objects) the schema has.
      type: int
    lines:
      description: One line per object, sorted (byte order).
      type: list
      elements: str
  sample:
    sha256: 3b1f0c...
    objects: 3
    lines:
      - column public.accounts_member.email character varying(254) not null
      - "index public.accounts_member CREATE UNIQUE INDEX accounts_member_pkey ON ..."
      - relation public.accounts_member r
difference:
  description: With O(expected), what differs.
  returned: when O(expected) is given
  type: dict
  contains:
    same:
      description: Whether the schema equals O(expected).
      type: bool
    missing:
      description: Lines O(expected) has and the schema lacks (at most 20).
      type: list
      elements: str
    extra:
      description: Lines the schema has and O(expected) lacks (at most 20).
      type: list
      elements: str
    lines_known:
      description: False when O(expected) had only a sha256 (no lines to list).
      type: bool
    message:
      description: The difference in one sentence.
      type: str
database:
  description: The database read.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    compose_argument_spec,
    read_catalog,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_schema import (
    FINGERPRINT_SQL,
    FingerprintError,
    compare,
    describe,
    fingerprint,
    parse_lines,
)

APPLICATION_NAME = "accreditrack-ops-schema-fingerprint"


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        {
            "db_name": {"type": "str"},
            "db_user": {"type": "str"},
            "expected": {"type": "dict"},
        }
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    database, out, argv = read_catalog(module, FINGERPRINT_SQL, APPLICATION_NAME, "the schema")
    try:
        result = fingerprint(parse_lines(out))
    except FingerprintError as exc:
        module.fail_json(msg=f"Could not read the schema of database {database}: {exc}", cmd=argv)
    answer = {"changed": False, "fingerprint": result, "database": database}
    if p["expected"] is not None:
        difference = compare(p["expected"], result)
        difference["message"] = describe(difference)
        answer["difference"] = difference
    module.exit_json(**answer)


if __name__ == "__main__":
    main()
