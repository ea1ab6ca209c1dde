# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: this is not a public API. It may change in any
# release, without a deprecation period. Do not import it from outside this collection.
#
# The application_name of the collection's own pg_dump sessions, defined once: compose_pg_dump
# names its directory-format dump with it (so an interrupted run can end exactly its sessions) and
# _pg_locks recognises a dump by it (a dump is reported, never terminated). Stdlib only.

from __future__ import annotations

# pg_dump's own fallback_application_name, when PGAPPNAME is not set.
PG_DUMP_APPLICATION = "pg_dump"
# compose_pg_dump's sessions: this prefix and a random token (PGAPPNAME; at most 63 characters).
PG_DUMP_APPLICATION_PREFIX = "accreditrack-ops-pg_dump-"


def pg_dump_application_name(token: str) -> str:
    """The application_name of one run of the collection's pg_dump."""
    return f"{PG_DUMP_APPLICATION_PREFIX}{token}"


def is_pg_dump_application(name: str | None) -> bool:
    """Whether a session's application_name is a pg_dump's: plain pg_dump or the collection's."""
    text = name or ""
    return text == PG_DUMP_APPLICATION or text.startswith(PG_DUMP_APPLICATION_PREFIX)
