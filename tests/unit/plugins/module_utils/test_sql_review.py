# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rule 2 of the migration review (_sql_review): the plan's SQL as Django 4.2's sqlmigrate printed
it on PostgreSQL 17 (tests/fixtures/sql_review, tests/fixtures/lock_check), sized by table_sizes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _sql_review as sr

pytest.importorskip("pglast")

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
SHOP = FIXTURES / "sql_review" / "sqlmigrate"
LOCK_CHECK = FIXTURES / "lock_check" / "sqlmigrate"

BIG = {"rows": 2_000_000, "bytes": 900 * 1024 * 1024}
SMALL = {"rows": 10, "bytes": 16384}
SIZES = {"shop_item": BIG, "shop_category": SMALL}


def shop(name: str) -> tuple[str, str]:
    return f"shop.{name}", (SHOP / f"django4.2-shop.{name}.sql").read_text()


def rules(findings):
    return [(f["rule"].rpartition("/")[2], f["table"], f["column"]) for f in findings]


# The migrations after 0001_initial, reviewed with shop_item big and shop_category small.
@pytest.mark.parametrize(
    ("migration", "expected"),
    [
        pytest.param(
            "0002_item_name_idx",
            [
                ("create-index", "shop_item", "name"),  # AddIndex
                ("create-index", "shop_item", "serial"),  # AddField unique: ADD COLUMN .. UNIQUE
                ("create-index", "shop_item", None),  # AlterField unique: ADD CONSTRAINT UNIQUE
                ("create-index", "shop_item", "code"),  # its _like index
                ("create-index", "shop_item", "sku"),  # AddField db_index (deferred SQL)
                ("create-index", "shop_item", "sku"),
                ("create-index", "shop_item", "serial"),
            ],
            id="django4.2-AddIndex-AddField-db_index-unique",
        ),
        pytest.param(
            # AddField ForeignKey: ADD COLUMN .. REFERENCES without a default is not scanned;
            # AlterField to a ForeignKey: ADD CONSTRAINT FOREIGN KEY is.
            "0003_item_category",
            [
                ("rewrite-type", "shop_item", "legacy_ref_id"),
                ("create-index", "shop_item", "legacy_ref_id"),
                ("validate-constraint", "shop_item", None),
                ("create-index", "shop_item", "category_id"),
            ],
            id="django4.2-AddField-ForeignKey-AlterField-to-ForeignKey",
        ),
        pytest.param(
            # Without the plan's old types every type change "may rewrite"; shop_category is small.
            "0004_alter_types",
            [
                ("rewrite-type", "shop_item", "qty"),
                ("rewrite-type", "shop_item", "name"),
                ("rewrite-type", "shop_item", "price"),
                ("rewrite-type", "shop_item", "note"),
                ("rewrite-type", "shop_item", "code"),
            ],
            id="django4.2-AlterField-types-old-type-unknown",
        ),
        pytest.param(
            # AddField NOT NULL default=0 (constant DEFAULT, then DROP DEFAULT) is no finding;
            # AlterField null=False with a default: SET NOT NULL after the UPDATE is.
            "0005_item_stock",
            [("set-not-null", "shop_item", "sku")],
            id="django4.2-AddField-not-null-default-AlterField-not-null",
        ),
        pytest.param(
            "0006_item_check",
            [
                ("validate-constraint", "shop_item", None),  # CheckConstraint
                ("create-index", "shop_item", None),  # UniqueConstraint
                ("set-not-null", "shop_item", "note"),
            ],
            id="django4.2-AddConstraint-check-unique-AlterField-not-null",
        ),
        pytest.param(
            "0007_item_concurrently",
            [],
            id="django4.2-AddIndexConcurrently-AddConstraintNotValid-ValidateConstraint",
        ),
    ],
)
def test_django_sqlmigrate_on_an_existing_big_table(migration, expected):
    findings = sr.review_sql(dict([shop(migration)]), SIZES)
    assert rules(findings) == expected
    for finding in findings:
        assert finding["severity"] == "warning"
        assert finding["migration"] == f"shop.{migration}"
        assert finding["size"] == BIG
        assert "shop_item: 2,000,000 rows, 900.0 MiB" in finding["reason"]
        assert finding["hint"] == sr.SQL_RULES[finding["rule"]][1]
        assert finding["operation"] and not finding["statement"].startswith("--")


def test_the_finding_names_the_operation_and_statement():
    finding = sr.review_sql(dict([shop("0006_item_check")]), SIZES)[0]
    assert finding["operation"] == "Create constraint shop_item_qty_gte_0 on model item"
    assert finding["statement"] == (
        'ALTER TABLE "shop_item" ADD CONSTRAINT "shop_item_qty_gte_0" CHECK ("qty" >= 0)'
    )
    assert finding["reason"].startswith("adds CHECK constraint shop_item_qty_gte_0 to shop_item")
    assert "AddConstraintNotValid" in finding["hint"]


OLD_TYPES = {
    ("shop.0004_alter_types", "shop_item", "qty"): "integer",
    ("shop.0004_alter_types", "shop_item", "name"): "varchar(100)",
    ("shop.0004_alter_types", "shop_item", "price"): "numeric(8, 2)",
    ("shop.0004_alter_types", "shop_item", "note"): "varchar(50)",
    ("shop.0004_alter_types", "shop_item", "code"): "varchar(20)",
    ("shop.0004_alter_types", "shop_category", "name"): "varchar(100)",
}


def test_type_changes_with_the_plans_old_types():
    findings = sr.review_sql(dict([shop("0004_alter_types")]), SIZES, old_types=OLD_TYPES)
    # integer -> bigint and varchar(20) -> varchar(10) rewrite; varchar(100) -> varchar(200),
    # numeric(8, 2) -> numeric(12, 2) and varchar(50) -> text (USING "note"::text) do not.
    assert rules(findings) == [
        ("rewrite-type", "shop_item", "qty"),
        ("rewrite-type", "shop_item", "code"),
    ]
    assert "rewrites the table" in findings[0]["reason"]
    assert "int4 to int8 is not a binary-coercible widening" in findings[0]["reason"]


def test_old_types_from_the_plans_schema_changes():
    plan = [
        {
            "migration": "shop.0003_item_category",
            "schema_changes": [
                {
                    "kind": "rename_column",
                    "db_table": "shop_item",
                    "columns": ["legacy_ref"],
                    "old_column": "legacy_ref",
                    "new_column": "legacy_ref_id",
                    "old_db_type": "integer",
                    "new_db_type": "bigint",
                },
                {"kind": "add_column", "db_table": "shop_item", "columns": ["category_id"]},
            ],
        }
    ]
    types = sr.old_types_from_plan(plan)
    assert types == {("shop.0003_item_category", "shop_item", "legacy_ref_id"): "integer"}
    findings = sr.review_sql(dict([shop("0003_item_category")]), SIZES, old_types=types)
    assert "int4 to int8" in findings[0]["reason"]


@pytest.mark.parametrize(
    ("old", "new", "verdict"),
    [
        ("varchar(100)", "varchar(200)", True),
        ("varchar(100)", "varchar(100)", True),
        ("varchar(100)", "varchar", True),
        ("varchar(100)", "text", True),
        ("text", "varchar", True),
        ("varchar(200)", "varchar(100)", False),
        ("text", "varchar(10)", False),
        ("numeric(8, 2)", "numeric(12, 2)", True),
        ("numeric(8, 2)", "numeric", True),
        ("numeric(8, 2)", "numeric(12, 3)", False),
        ("numeric", "numeric(8, 2)", False),
        ("integer", "bigint", False),
        ("smallint", "integer", False),
        ("bigint", "integer", False),
        ("varchar(36)", "uuid", False),
        ("timestamp", "timestamp with time zone", None),
        ("integer[]", "bigint[]", None),
        ("integer", "mydomain", None),
    ],
)
def test_binary_coercible_type_changes(old, new, verdict):
    import pglast

    parse = pglast.parse_sql
    assert sr._no_rewrite(sr._parse_type(old, parse), sr._parse_type(new, parse)) is verdict


def test_a_using_expression_other_than_the_cast_column_rewrites():
    sql = {
        "shop.0009_x": 'ALTER TABLE "shop_item" ALTER COLUMN "name" TYPE text USING upper("name");'
    }
    types = {("shop.0009_x", "shop_item", "name"): "varchar(100)"}
    (finding,) = sr.review_sql(sql, SIZES, old_types=types)
    assert "rewrites the table" in finding["reason"] and "USING" in finding["reason"]


def test_the_type_of_a_column_added_earlier_in_the_plan_is_known():
    sql = {
        "shop.0009_a": 'ALTER TABLE "shop_item" ADD COLUMN "ref" varchar(10) NULL;',
        "shop.0010_b": 'ALTER TABLE "shop_item" ALTER COLUMN "ref" TYPE varchar(20);',
    }
    assert sr.review_sql(sql, SIZES) == []


def test_tables_created_in_the_plan_are_never_findings():
    names = [f.name for f in sorted(SHOP.glob("*.sql"))]
    sql = dict(shop(name.split("shop.", 1)[1][: -len(".sql")]) for name in names)
    assert next(iter(sql)) == "shop.0001_initial"
    assert sr.review_sql(sql, SIZES) == []


def test_a_table_renamed_after_the_plan_created_it_is_still_new():
    sql = {
        "a.0001": 'CREATE TABLE "a_t" ("id" bigint NOT NULL);',
        "a.0002": 'ALTER TABLE "a_t" RENAME TO "a_u"; CREATE INDEX "i" ON "a_u" ("id");',
    }
    assert sr.review_sql(sql, {"a_u": BIG}) == []


def test_the_lock_check_fixtures():
    """Real sqlmigrate of the example backend: v5's AddField ForeignKey (inline REFERENCES, no
    default, not scanned) and its deferred CREATE INDEX on an existing accounts_accreditation."""
    sql = {
        "accounts.0001_initial": (LOCK_CHECK / "django4.2-accounts.0001_initial.sql").read_text(),
        "courses.0001_initial": (LOCK_CHECK / "django4.2-v5-courses.0001_initial.sql").read_text(),
        "accounts.0004_accreditation_required_course": (
            LOCK_CHECK / "django4.2-v5-accounts.0004_accreditation_required_course.sql"
        ).read_text(),
    }
    sizes = {"accounts_accreditation": BIG, "accounts_organization": BIG}
    findings = sr.review_sql(sql, sizes)
    assert findings == []  # every table was created by the plan
    del sql["accounts.0001_initial"]
    assert rules(sr.review_sql(sql, sizes)) == [
        ("create-index", "accounts_accreditation", "required_course_id")
    ]


@pytest.mark.parametrize(
    ("size", "limits", "found"),
    [
        pytest.param({"rows": 10, "bytes": 16384}, None, False, id="ten-rows-default"),
        pytest.param({"rows": 99_999, "bytes": 1024}, None, False, id="below-both"),
        pytest.param({"rows": 100_000, "bytes": 1024}, None, True, id="rows-at-threshold"),
        pytest.param({"rows": 5, "bytes": 100 * 1024 * 1024}, None, True, id="bytes-alone"),
        pytest.param({"rows": 10, "bytes": 16384}, {"rows": 10}, True, id="rows-option"),
        pytest.param({"rows": 10, "bytes": 16384}, {"bytes": 8192}, True, id="bytes-option"),
        pytest.param(BIG, {"rows": 10**9, "bytes": 10**12}, False, id="options-above"),
    ],
)
def test_thresholds(size, limits, found):
    sql = dict([shop("0006_item_check")])
    assert bool(sr.review_sql(sql, {"shop_item": size}, thresholds=limits)) is found


@pytest.mark.parametrize(
    "limits", [{"pages": 1}, {"rows": -1}, {"bytes": "lots"}, {"rows": True}], ids=str
)
def test_bad_thresholds_are_errors(limits):
    with pytest.raises(ValueError, match="thresholds"):
        sr.review_sql(dict([shop("0006_item_check")]), SIZES, thresholds=limits)


def test_thresholds_as_strings_from_templating():
    assert sr.thresholds_of({"rows": "500"}) == {"rows": 500, "bytes": 100 * 1024 * 1024}


def test_an_unknown_size_is_a_finding_not_a_pass():
    findings = sr.review_sql(dict([shop("0005_item_stock")]), {})
    assert rules(findings) == [("set-not-null", "shop_item", "sku")]
    assert findings[0]["size"] is None
    assert "size unknown - not in table_sizes, so taken as big" in findings[0]["reason"]


def test_existing_tables_leave_out_a_table_created_without_sql():
    sql = dict([shop("0005_item_stock")])
    assert sr.review_sql(sql, {}, existing_tables=["shop_category"]) == []
    assert len(sr.review_sql(sql, {}, existing_tables=["shop_item"])) == 1
    assert len(sr.review_sql(sql, {}, existing_tables=["public.shop_item"])) == 1


@pytest.mark.parametrize(
    ("table", "sizes"),
    [
        pytest.param('"shop_item"', {"public.shop_item": BIG}, id="qualified-size"),
        pytest.param('"public"."shop_item"', {"shop_item": BIG}, id="qualified-sql"),
        pytest.param('"sales"."shop_item"', {'"sales"."shop_item"': BIG}, id="other-schema"),
    ],
)
def test_schema_qualified_names(table, sizes):
    sql = {"shop.0009_x": f'CREATE INDEX "i" ON {table} ("name");'}
    assert len(sr.review_sql(sql, sizes)) == 1


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        pytest.param('CREATE UNIQUE INDEX "i" ON "shop_item" ("code");', True, id="unique-index"),
        pytest.param('CREATE INDEX CONCURRENTLY "i" ON "shop_item" ("code");', False, id="conc"),
        pytest.param(
            'ALTER TABLE "shop_item" ADD CONSTRAINT "u" UNIQUE USING INDEX "i";', False, id="using"
        ),
        pytest.param('ALTER TABLE "shop_item" ADD PRIMARY KEY ("id");', True, id="primary-key"),
        pytest.param(
            'ALTER TABLE "shop_item" ADD CONSTRAINT "f" FOREIGN KEY ("owner_id") '
            'REFERENCES "shop_category" ("id") NOT VALID;',
            False,
            id="fk-not-valid",
        ),
        pytest.param(
            'ALTER TABLE "shop_item" ADD CONSTRAINT "c" CHECK ("qty" >= 0) NOT VALID;',
            False,
            id="check-not-valid",
        ),
        pytest.param(
            'ALTER TABLE "shop_item" VALIDATE CONSTRAINT "c";', False, id="validate-constraint"
        ),
        pytest.param(
            # Django's AddField of a PositiveIntegerField: the inline CHECK scans the table.
            'ALTER TABLE "shop_item" ADD COLUMN "rank" integer NULL CHECK ("rank" >= 0);',
            True,
            id="add-column-check",
        ),
        pytest.param(
            'ALTER TABLE "shop_item" ADD COLUMN "c_id" bigint DEFAULT 1 NOT NULL CONSTRAINT "f" '
            'REFERENCES "shop_category"("id") DEFERRABLE INITIALLY DEFERRED;',
            True,
            id="add-column-fk-with-default",
        ),
        pytest.param(
            'ALTER TABLE "shop_item" ALTER COLUMN "sku" SET DEFAULT \'\';', False, id="set-default"
        ),
        pytest.param(
            'UPDATE "shop_item" SET "sku" = \'\' WHERE "sku" IS NULL;', False, id="update"
        ),
    ],
)
def test_statements(statement, found):
    assert bool(sr.review_sql({"shop.0009_x": statement}, SIZES)) is found


def test_set_not_null_after_a_validated_not_null_check_is_no_finding():
    sql = {
        "shop.0009_check": (
            'ALTER TABLE "shop_item" ADD CONSTRAINT "sku_nn" CHECK ("sku" IS NOT NULL) NOT VALID;'
        ),
        "shop.0010_validate": 'ALTER TABLE "shop_item" VALIDATE CONSTRAINT "sku_nn";',
        "shop.0011_not_null": 'ALTER TABLE "shop_item" ALTER COLUMN "sku" SET NOT NULL;',
    }
    assert sr.review_sql(sql, SIZES) == []
    del sql["shop.0010_validate"]  # a NOT VALID check does not spare the scan
    assert rules(sr.review_sql(sql, SIZES)) == [("set-not-null", "shop_item", "sku")]
    dropped = {**sql, "shop.0010_validate": 'ALTER TABLE "shop_item" DROP CONSTRAINT "sku_nn";'}
    dropped["shop.0011_not_null"] = sql.pop("shop.0011_not_null")
    assert rules(sr.review_sql(dropped, SIZES)) == [("set-not-null", "shop_item", "sku")]


@pytest.mark.parametrize(
    ("column", "found", "why"),
    [
        pytest.param('"token" uuid DEFAULT (GEN_RANDOM_UUID()) NOT NULL', True, "gen_random_uuid"),
        pytest.param('"r" double precision DEFAULT random() NOT NULL', True, "random()"),
        pytest.param('"at" timestamptz DEFAULT clock_timestamp()', True, "clock_timestamp"),
        pytest.param('"u" uuid DEFAULT uuid_generate_v4()', True, "uuid_generate_v4"),
        pytest.param("\"n\" bigint DEFAULT nextval('s'::regclass)", True, "nextval"),
        pytest.param('"n" bigserial', True, "bigserial"),
        pytest.param('"n" bigint GENERATED BY DEFAULT AS IDENTITY', True, "identity"),
        pytest.param('"g" integer GENERATED ALWAYS AS ("qty" + 1) STORED', True, "stored"),
        pytest.param('"x" integer DEFAULT my_function()', True, "may rewrite"),
        pytest.param('"at" timestamptz DEFAULT now() NOT NULL', False, ""),
        pytest.param('"at" timestamptz DEFAULT (STATEMENT_TIMESTAMP()) NOT NULL', False, ""),
        pytest.param('"at" timestamptz DEFAULT CURRENT_TIMESTAMP NOT NULL', False, ""),
        pytest.param("\"j\" jsonb DEFAULT '{}'::jsonb NOT NULL", False, ""),
        pytest.param('"stock" integer DEFAULT 0 NOT NULL', False, ""),
    ],
)
def test_volatile_defaults(column, found, why):
    sql = {"shop.0009_x": f'ALTER TABLE "shop_item" ADD COLUMN {column};'}
    findings = sr.review_sql(sql, SIZES)
    assert [f["rule"] for f in findings] == ([sr.VOLATILE_DEFAULT] if found else [])
    if found:
        assert why in findings[0]["reason"]


def test_a_volatile_default_on_a_table_the_plan_created_is_no_finding():
    sql = {
        "shop.0009_x": 'CREATE TABLE "shop_new" ("id" bigint NOT NULL);'
        'ALTER TABLE "shop_new" ADD COLUMN "token" uuid DEFAULT gen_random_uuid();'
    }
    assert sr.review_sql(sql, {"shop_new": BIG}) == []


def test_an_unparseable_statement_is_a_finding_and_the_rest_is_reviewed():
    sql = {
        "shop.0009_raw": "BEGIN;\n--\n-- Raw SQL operation\n--\n"
        'ALTER TABLE "shop_item" FROBNICATE;\n'
        'CREATE INDEX "i" ON "shop_item" ("name");\nCOMMIT;\n'
    }
    findings = sr.review_sql(sql, SIZES)
    assert [f["rule"] for f in findings] == [sr.NOT_PARSED, sr.CREATE_INDEX]
    assert findings[0]["migration"] == "shop.0009_raw"
    assert findings[0]["operation"] == "Raw SQL operation"
    assert "cannot parse" in findings[0]["reason"]
    assert findings[0]["statement"] == 'ALTER TABLE "shop_item" FROBNICATE'


def test_sql_the_scanner_cannot_split_is_a_finding():
    (finding,) = sr.review_sql({"shop.0009_raw": "SELECT 'unterminated"}, SIZES)
    assert finding["rule"] == sr.NOT_PARSED and finding["migration"] == "shop.0009_raw"


def test_without_pglast_one_finding_says_how_to_install_it(monkeypatch):
    for name in [m for m in sys.modules if m == "pglast" or m.startswith("pglast.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pglast", None)  # import pglast raises ImportError
    sql = dict([shop("0005_item_stock"), shop("0006_item_check")])
    (finding,) = sr.review_sql(sql, SIZES)
    assert finding["rule"] == "review-incomplete/sql-not-parsed"
    assert finding["severity"] == "warning"
    assert "pip install pglast" in finding["reason"]


def test_no_sql_no_findings():
    assert sr.review_sql({}, SIZES) == []
    assert sr.review_sql([], None) == []


def test_sql_as_pairs_in_plan_order():
    pairs = [shop("0005_item_stock"), shop("0006_item_check")]
    findings = sr.review_sql(pairs, SIZES)
    assert [f["migration"] for f in findings] == ["shop.0005_item_stock"] + [
        "shop.0006_item_check"
    ] * 3


def test_long_statements_are_shortened():
    columns = ", ".join(f'"c{i}"' for i in range(200))
    sql = {"shop.0009_x": f'CREATE INDEX "i" ON "shop_item" ({columns});'}
    (finding,) = sr.review_sql(sql, SIZES)
    assert len(finding["statement"]) == sr.STATEMENT_CHARS
    assert finding["statement"].endswith("...")
