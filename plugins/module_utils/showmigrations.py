# Copyright: (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse the output of Django's ``manage.py showmigrations`` (pure Python, stdlib only).

Shipped to managed hosts as module_utils and used by the filter plugin
``accreditrack.ops.showmigrations``; it imports neither Ansible nor Django and keeps Python 3.8
syntax.

Both output formats are read, at every verbosity, as printed by Django 3.2 to 6.0:

* list (the default)::

      accounts
       [X] 0001_initial (applied at 2024-05-01 10:00:00)        <- "(applied at ...)" with -v 2+
       [X] 0002_squashed_0004_x (3 squashed migrations)         <- never a timestamp on a squash
       [-] 0005_squashed_0006_y (2 squashed migrations) Run 'manage.py migrate' to finish recording.
       [ ] 0007_profile
      notes
       (no migrations)                                          <- empty migrations package

* plan (``--plan``)::

      [X]  accounts.0001_initial
      [ ]  accounts.0002_profile ... (accounts.0001_initial, auth.0012_x)   <- "..." with -v 2+
      (no migrations)                                           <- an empty plan

Result of :func:`parse_showmigrations` (every key always present)::

    {"format": "list" | "plan",
     "migrations": [{"app", "name", "applied", "squashed", "applied_at", "dependencies"}, ...],
     "apps": [...], "apps_without_migrations": [...],
     "pending": ["app.name", ...], "applied_count": int, "pending_count": int,
     "latest_applied": {"app": "name" | None}}

Decisions:

* ``migrations`` keeps Django's printed order.  ``applied`` is ``True`` for ``[X]``, ``False`` for
  ``[ ]`` and ``"partial"`` only for the ``[-]`` line (Django 4.0+): every migration the squash
  replaces is applied but the squash itself is not recorded in ``django_migrations``.  The schema
  is complete, yet ``migrate`` still has work to do (it records the squash), so a partial squash
  is in ``pending``, counts in ``pending_count``, and is not an app's ``latest_applied``.
* A partly applied squash is not printed by Django at all: it lists the replaced migrations
  instead, each with its own state, and this parser reports exactly those.
* Django 3.2 has no ``[-]``: it prints an unrecorded squash as ``[X]``, and ``--plan`` never
  prints ``[-]`` in any release.  Neither can be told from a recorded squash; both are reported
  as applied (``True``).  This is harmless for deciding whether the schema is current.
* ``squashed`` is the N of ``(N squashed migrations)`` or ``None`` (not a squash, or plan format,
  which does not say).  ``applied_at`` is the ``YYYY-MM-DD HH:MM:SS`` string printed with ``-v 2``
  (the database's UTC time when ``USE_TZ`` is on) or ``None``.  ``dependencies`` is the list of
  ``app.name`` printed by ``--plan -v 2`` or ``None`` (lower verbosity, list format, or a root
  migration, for which Django prints no suffix).
* ``apps`` is the printed order of the app labels in list format (command-line order for a subset)
  and first-seen order in plan format.  ``apps_without_migrations`` is only filled by list format.
  ``latest_applied`` has one key per entry of ``apps``.
* ``pending`` is every migration whose ``applied`` is not ``True``, in printed order, as
  ``app.name``; ``applied_count + pending_count == len(migrations)``.

Helpers for the modules: :func:`pending_by_app` (``{app: [name, ...]}`` of what ``migrate``
would do), :func:`applied_set` (``{"app.name", ...}`` shown as applied), :func:`unrecorded_squashes`
(``[-]`` lines) and :func:`strip_ansi`.

Robustness:

* ANSI escape sequences (``--force-color`` puts the reset code at the start of the next line),
  CRLF / CR line endings, trailing blanks, and lines printed around the listing by Docker /
  Docker Compose (`` Container x  Running``, ``[+] Creating 1/1``, ``WARN[0000] ...``,
  ``time="..." level=warning ...``) or Python warnings are ignored *before and after* the
  listing.  The listing runs from the first app label (list) or entry (plan) to the last
  migration line.
* The parser fails closed: a line inside the listing that it cannot account for (an unknown
  line, an app label with no migration line under it - a stray one-word line -, a plan line in a
  list or the other way round, a marker that does not match its text) raises
  :class:`ShowmigrationsParseError` naming the line number and quoting the line.  A listing is
  never read with a migration left out.
* :class:`ShowmigrationsParseError` (a ``ValueError``) is raised, with a short excerpt of the
  input, when the text holds no listing (empty output, ``No installed app with label 'x'.``, an
  ``OperationalError``), when it holds a Python traceback or exception line anywhere (the command
  crashed: whatever it printed before is incomplete), or when the list ends with an app label
  that has no migration line under it, or with a cut-off migration line (truncated output).
  Such output is never read as "nothing pending".
* Truncation limits: Django 3.2's ``showmigrations -v 2`` crashes (AttributeError) when it
  reaches an applied squash, after printing the listing up to that app's label; on stdout alone
  this is detected when the squash is the app's first migration (the output then ends with a
  bare label), but a crash right after a complete migration line cannot be told from a complete
  listing.  Parse only the stdout of a command that exited 0: the modules check ``rc`` first.
"""

from __future__ import annotations

import re

__all__ = [
    "ShowmigrationsParseError",
    "applied_set",
    "parse_showmigrations",
    "pending_by_app",
    "strip_ansi",
    "unrecorded_squashes",
]

_ANSI_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase line
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, hyperlinks
    r"|\x1b[()][A-Za-z0-9]"  # character set designation
    r"|\x1b[@-Z\\-_]"  # other two-byte sequences
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufeff]")

_APP_RE = re.compile(r"^(\w+)$")
_LIST_RE = re.compile(
    r"^\s*\[(?P<mark>[X \-])\] (?P<name>\w+)"
    r"(?: \((?P<squashed>\d+) squashed migrations?\))?"
    r"(?P<unrecorded> Run '[^']*' to finish recording\.)?"
    r"(?: \(applied at (?P<applied_at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\))?$"
)
_PLAN_RE = re.compile(
    r"^\s*\[(?P<mark>[X ])\]\s+(?P<app>\w+)\.(?P<name>\w+)"
    r"(?: \.\.\. \((?P<deps>\w+\.\w+(?:, \w+\.\w+)*)\))?$"
)
_NO_MIGRATIONS_RE = re.compile(r"^(?P<indent>\s*)\(no migrations\)$")
_ENTRY_PREFIX_RE = re.compile(r"^\s*\[[X \-]\]")
# A migration line with a marker this parser does not know (`[+] Running 1/1` is Compose's).
_ODD_ENTRY_RE = re.compile(r"^\s*\[[^\]+]\]\s+\w")
_ERROR_RES = (
    re.compile(r"^Traceback \(most recent call last\):"),
    re.compile(r"^(?:[A-Za-z_]\w*\.)+[A-Z]\w*(?::|$)"),  # django.db.utils.OperationalError: ...
    re.compile(r"^[A-Z]\w*(?:Error|Exception|Exit):"),  # KeyError: 'x', CommandError: ...
    re.compile(r"^No installed app with label "),
)

_BLANK, _APP, _LIST, _PLAN, _NOMIG, _OTHER = "blank", "app", "list", "plan", "nomig", "other"

_REPORT = "please report this line and your Django version to the accreditrack.ops maintainers"


class ShowmigrationsParseError(ValueError):
    """The text is not (complete) ``showmigrations`` output; ``excerpt`` shows the input."""

    def __init__(self, message: str, excerpt: str = "") -> None:
        self.excerpt = excerpt
        super().__init__(f"{message}; output excerpt: {excerpt!r}" if excerpt else message)


def strip_ansi(text: str) -> str:
    """Return ``text`` without ANSI escape sequences and stray control characters."""
    return _CONTROL_RE.sub("", _ANSI_RE.sub("", text))


def _clean_lines(text: str) -> list[str]:
    return [line.rstrip() for line in strip_ansi(text).splitlines()]


def _classify(line: str) -> str:
    if not line.strip():
        return _BLANK
    if _APP_RE.match(line):
        return _APP
    if _LIST_RE.match(line):
        return _LIST
    if _PLAN_RE.match(line):
        return _PLAN
    if _NO_MIGRATIONS_RE.match(line):
        return _NOMIG
    return _OTHER


def _excerpt(lines: list[str], index: int | None = None, width: int = 160) -> str:
    """A few non-blank lines: around ``index`` if given, otherwise the last ones."""
    numbered = [(i, line) for i, line in enumerate(lines) if line.strip()]
    if index is not None:
        numbered = [(i, line) for i, line in numbered if index - 2 <= i <= index + 2]
    else:
        numbered = numbered[-4:]
    shown = [line.strip()[:width] for _i, line in numbered]
    return " | ".join(shown) if shown else "(empty)"


def _check_for_errors(lines: list[str]) -> None:
    for index, line in enumerate(lines):
        if any(pattern.match(line) for pattern in _ERROR_RES):
            if line.startswith("Traceback"):
                what = "a Python traceback: the command crashed and its output is incomplete"
                excerpt = _excerpt(lines[index:])
            else:
                what = "an error message instead of a migration listing"
                excerpt = _excerpt(lines, index)
            raise ShowmigrationsParseError(f"showmigrations output contains {what}", excerpt)


def _find_start(lines: list[str], kinds: list[str], first: int) -> tuple[str, int]:
    """Return (format, index where the listing starts) given the first migration line."""
    if kinds[first] == _PLAN:
        return "plan", first
    header = None
    for index in range(first - 1, -1, -1):
        if kinds[index] == _APP:
            header = index
            break
    if kinds[first] == _NOMIG:
        indented = bool(_NO_MIGRATIONS_RE.match(lines[first]).group("indent"))
        later_list = any(kind in (_LIST, _APP) for kind in kinds[first + 1 :])
        if header is None or not (indented or later_list):
            return "plan", first
    if header is None:
        raise ShowmigrationsParseError(
            "showmigrations list output has a migration line before any app label",
            _excerpt(lines, first),
        )
    return "list", header


def _list_entry(match: re.Match, app: str) -> dict:
    mark = match.group("mark")
    squashed = match.group("squashed")
    return {
        "app": app,
        "name": match.group("name"),
        "applied": {"X": True, " ": False, "-": "partial"}[mark],
        "squashed": int(squashed) if squashed is not None else None,
        "applied_at": match.group("applied_at"),
        "dependencies": None,
    }


def _plan_entry(match: re.Match) -> dict:
    deps = match.group("deps")
    return {
        "app": match.group("app"),
        "name": match.group("name"),
        "applied": match.group("mark") == "X",
        "squashed": None,
        "applied_at": None,
        "dependencies": deps.split(", ") if deps else None,
    }


def _reject(lines: list[str], index: int, line: str, why: str) -> None:
    """Fail closed on a line inside the listing the parser cannot account for."""
    raise ShowmigrationsParseError(
        f"showmigrations output line {index + 1}: {why}: {line.strip()!r}; the listing cannot "
        f"be read safely ({_REPORT})",
        _excerpt(lines, index),
    )


def _parse_list(lines, kinds, start, last):
    migrations: list[dict] = []
    apps: list[str] = []
    empty: list[str] = []
    app = None
    app_index = start
    shown = 0
    marked = False

    def close_app() -> None:
        if app is not None and not shown and not marked:
            _reject(lines, app_index, app, "app label without any migration line under it")

    for index in range(start, last + 1):
        line, kind = lines[index], kinds[index]
        if kind == _BLANK:
            continue
        if kind == _APP:
            close_app()
            app, app_index, shown, marked = line.strip(), index, 0, False
            if app not in apps:
                apps.append(app)
        elif kind == _LIST:
            match = _LIST_RE.match(line)
            if (match.group("mark") == "-") != bool(match.group("unrecorded")):
                _reject(lines, index, line, "unexpected combination of marker and text")
            migrations.append(_list_entry(match, app))
            shown += 1
        elif kind == _NOMIG:
            if shown:
                _reject(lines, index, line, "'(no migrations)' after migration lines")
            else:
                marked = True
                if app not in empty:
                    empty.append(app)
        elif kind == _PLAN:
            _reject(lines, index, line, "plan-format line inside a list-format listing")
        else:
            _reject(lines, index, line, "unrecognised line inside the listing")
    for index in range(last + 1, len(lines)):
        if kinds[index] == _APP or _ENTRY_PREFIX_RE.match(lines[index]):
            raise ShowmigrationsParseError(
                "showmigrations output ends with an app label without migration lines or with "
                "a cut-off migration line: the output is truncated (did the command fail?)",
                _excerpt(lines, index),
            )
    return migrations, apps, empty


def _parse_plan(lines, kinds, start, last):
    migrations: list[dict] = []
    apps: list[str] = []
    empty_marker = False
    for index in range(start, last + 1):
        line, kind = lines[index], kinds[index]
        if kind == _BLANK:
            continue
        if kind == _PLAN:
            if empty_marker:
                _reject(lines, index, line, "migration after '(no migrations)'")
            entry = _plan_entry(_PLAN_RE.match(line))
            migrations.append(entry)
            if entry["app"] not in apps:
                apps.append(entry["app"])
        elif kind == _NOMIG and not migrations and not empty_marker:
            empty_marker = True
        elif kind == _LIST:
            _reject(lines, index, line, "list-format line inside a plan-format listing")
        else:
            _reject(lines, index, line, "unrecognised line inside the listing")
    for index in range(last + 1, len(lines)):
        if _ENTRY_PREFIX_RE.match(lines[index]):
            raise ShowmigrationsParseError(
                "showmigrations --plan output ends with a cut-off migration line: the output is "
                "truncated (did the command fail?)",
                _excerpt(lines, index),
            )
    return migrations, apps


def _check_outside(lines: list[str], start: int, last: int) -> None:
    """Noise around the listing is tolerated, but not a migration line with an unknown marker."""
    for index, line in enumerate(lines):
        if (index < start or index > last) and _ODD_ENTRY_RE.match(line):
            _reject(lines, index, line, "migration line with an unknown marker")


def parse_showmigrations(text: str) -> dict:
    """Parse ``manage.py showmigrations`` stdout (list or ``--plan``, any verbosity).

    Returns the dict described in the module docstring.  Raises
    :class:`ShowmigrationsParseError` when ``text`` holds no complete listing.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise ShowmigrationsParseError(
            f"showmigrations output must be a string, not {type(text).__name__}"
        )
    lines = _clean_lines(text)
    _check_for_errors(lines)
    kinds = [_classify(line) for line in lines]
    entries = [index for index, kind in enumerate(kinds) if kind in (_LIST, _PLAN, _NOMIG)]
    if not entries:
        raise ShowmigrationsParseError(
            "no showmigrations listing found in the output (no '[X]', '[ ]', '[-]' or "
            "'(no migrations)' line)",
            _excerpt(lines),
        )
    first, last = entries[0], entries[-1]
    fmt, start = _find_start(lines, kinds, first)
    if fmt == "list":
        migrations, apps, empty = _parse_list(lines, kinds, start, last)
    else:
        migrations, apps = _parse_plan(lines, kinds, start, last)
        empty = []
    _check_outside(lines, start, last)
    pending = [f"{m['app']}.{m['name']}" for m in migrations if m["applied"] is not True]
    latest: dict = {app: None for app in apps}
    for migration in migrations:
        if migration["applied"] is True:
            latest[migration["app"]] = migration["name"]
    return {
        "format": fmt,
        "migrations": migrations,
        "apps": apps,
        "apps_without_migrations": empty,
        "pending": pending,
        "applied_count": len(migrations) - len(pending),
        "pending_count": len(pending),
        "latest_applied": latest,
    }


def pending_by_app(parsed: dict) -> dict[str, list[str]]:
    """Pending migration names grouped by app, apps in printed order.

    Only apps with at least one pending (or ``"partial"``) migration are keys, so an empty dict
    means nothing to do.  ``{"accounts": ["0002_profile"], ...}``
    """
    grouped: dict[str, list[str]] = {}
    for migration in parsed["migrations"]:
        if migration["applied"] is not True:
            grouped.setdefault(migration["app"], []).append(migration["name"])
    return grouped


def applied_set(parsed: dict) -> set[str]:
    """``{"app.name", ...}`` of the migrations shown as applied (``True``; not ``"partial"``)."""
    return {f"{m['app']}.{m['name']}" for m in parsed["migrations"] if m["applied"] is True}


def unrecorded_squashes(parsed: dict) -> list[str]:
    """``["app.name", ...]`` of squashes shown as ``[-]``: applied but not yet recorded."""
    return [f"{m['app']}.{m['name']}" for m in parsed["migrations"] if m["applied"] == "partial"]
