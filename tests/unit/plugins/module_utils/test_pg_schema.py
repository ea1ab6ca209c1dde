# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The schema fingerprint: reading psql's answer, the digest, and what differs."""

from __future__ import annotations

import json

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _pg_schema as ps

LINES = [
    "relation public.accounts_member r",
    "column public.accounts_member.id bigint not null",
    "column public.accounts_member.email character varying(254) not null",
    "index public.accounts_member CREATE UNIQUE INDEX accounts_member_pkey"
    " ON public.accounts_member USING btree (id)",
]


def test_parse_lines_sorts_psql_json_array():
    assert ps.parse_lines(json.dumps(LINES) + "\n") == sorted(LINES)
    assert ps.parse_lines("[]") == []


@pytest.mark.parametrize("output", ["", "ERROR: x", '{"a": 1}', "[1, 2]", '["a"] trailing'])
def test_parse_lines_refuses_anything_but_an_array_of_text(output):
    with pytest.raises(ps.FingerprintError):
        ps.parse_lines(output)


def test_fingerprint_does_not_depend_on_the_order_of_the_lines():
    one, two = ps.fingerprint(LINES), ps.fingerprint(list(reversed(LINES)))
    assert one == two
    assert one["objects"] == 4 and len(one["sha256"]) == 64
    assert one["lines"] == sorted(LINES)


def test_compare_same_schema():
    difference = ps.compare(ps.fingerprint(LINES), ps.fingerprint(LINES))
    assert difference == {"same": True, "missing": [], "extra": [], "lines_known": True}
    assert ps.describe(difference) == "the schema equals the fingerprint"


def test_compare_names_a_column_a_killed_migration_left_and_a_lost_index():
    point = ps.fingerprint(LINES)
    now = ps.fingerprint(
        [*LINES[:3], "column public.accounts_member.badge_number character varying(20)"]
    )
    difference = ps.compare(point, now)
    assert difference["same"] is False
    assert difference["extra"] == [
        "column public.accounts_member.badge_number character varying(20)"
    ]
    assert difference["missing"] == [LINES[3]]
    message = ps.describe(difference)
    assert message.startswith("the schema has column public.accounts_member.badge_number")
    assert "lacks index public.accounts_member CREATE UNIQUE INDEX" in message


def test_compare_with_only_a_digest_recorded():
    point = {"sha256": ps.fingerprint(LINES)["sha256"], "objects": 4}
    assert ps.compare(point, ps.fingerprint(LINES))["same"] is True
    other = ps.compare(point, ps.fingerprint(LINES[:2]))
    assert other == {"same": False, "missing": [], "extra": [], "lines_known": False}
    assert "sha256 differs" in ps.describe(other)


def test_compare_limits_the_lists():
    many = [f"column public.t.c{i:03d} integer" for i in range(50)]
    difference = ps.compare(ps.fingerprint([]), ps.fingerprint(many), limit=5)
    assert difference["extra"] == many[:5] and difference["same"] is False


def test_sql_leaves_out_what_a_round_trip_changes():
    sql = ps.FINGERPRINT_SQL
    assert "attnum > 0" in sql and "NOT a.attisdropped" in sql
    assert "ORDER BY line" in sql and "attnum," not in sql  # columns named, never numbered
    assert "deptype = 'e'" in sql  # extension objects are the extension's


def test_psql_argv_reads_stdin_and_stops_on_error():
    argv = ps.psql_argv("app", "owner")
    assert argv[:2] == ["psql", "-X"] and argv[-2:] == ["-f", "-"]
    assert "ON_ERROR_STOP=1" in argv and argv[argv.index("-d") + 1] == "app"
