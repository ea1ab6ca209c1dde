# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.pg_table_sizes: the names psql gets and the result read from its
output (recorded from PostgreSQL 17, accreditrack-db:17)."""

from __future__ import annotations

import json

import pytest
from ansible_collections.accreditrack.ops.plugins.modules import pg_table_sizes as pts

# psql's output for ["shop_item", "\"Sales\".\"Order\"", "never_analyzed", "vv", "nope"] on a
# PostgreSQL 17 container (vv is a view; never_analyzed has reltuples -1 and n_live_tup 3000).
RECORDED = (
    '{ "shop_item" : {"rows" : 0, "bytes" : 114688}, "\\"Sales\\".\\"Order\\"" : {"rows" : 50000, '
    '"bytes" : 1851392}, "never_analyzed" : {"rows" : 3000, "bytes" : 147456}, "vv" : null, '
    '"nope" : null }\n'
)


def test_names_as_django_gives_them():
    names, argument = pts.names_argument(
        ["shop_item", "public.shop_item", '"Sales"."Order"', "shop_item"]
    )
    assert names == ["shop_item", "public.shop_item", '"Sales"."Order"']
    assert json.loads(argument) == [
        ["shop_item", None, "shop_item"],
        ["public.shop_item", "public", "shop_item"],
        ['"Sales"."Order"', "Sales", "Order"],
    ]


def test_recorded_output():
    names = ["shop_item", '"Sales"."Order"', "never_analyzed", "vv", "nope"]
    tables, missing = pts.parse_sizes(RECORDED, names)
    assert tables == {
        "shop_item": {"rows": 0, "bytes": 114688},
        '"Sales"."Order"': {"rows": 50000, "bytes": 1851392},
        "never_analyzed": {"rows": 3000, "bytes": 147456},
    }
    assert missing == ["vv", "nope"]


@pytest.mark.parametrize("output", ["", "[]", "ERROR", '"x"'])
def test_other_output_is_an_error(output):
    with pytest.raises(ValueError):
        pts.parse_sizes(output, ["x"])


def test_the_sql_reads_the_catalog_only():
    sql = pts.SIZES_SQL.lower()
    assert "count(" not in sql
    assert all(word not in sql for word in ("insert", "update", "delete", "analyze", "lock"))
    assert ":'names'" in pts.SIZES_SQL
