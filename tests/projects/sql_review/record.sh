#!/usr/bin/env bash
# Records tests/fixtures/sql_review/sqlmigrate/django<version>-shop.<migration>.sql: sqlmigrate of each
# migration against a scratch PostgreSQL (PG* variables), migrating to it after, so AlterField reads
# the real constraint names. Usage: PGPORT=55432 PGPASSWORD=... record.sh (Django from the venv on PATH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DJANGO_SETTINGS_MODULE=settings PYTHONPATH=$here
version=$(python -c 'import django; print(django.get_version().rsplit(".", 1)[0])')
for path in "$here"/shop/migrations/0*.py; do
  name=$(basename "$path" .py)
  django-admin sqlmigrate shop "$name" >"$here/../../fixtures/sql_review/sqlmigrate/django$version-shop.$name.sql"
  django-admin migrate shop "$name" -v0
done
