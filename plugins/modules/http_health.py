#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module and not ansible.builtin.uri with `until`: what "healthy" means (a status list, a
# body regex, a JSON subset - each optional, any body by default) and where the app answers (the
# port a compose service publishes, from the rows `up` just read) are decisions; here they are
# Python, unit-tested, and the verdict says why a check failed instead of a Jinja condition that
# is only true or false.

from __future__ import annotations

DOCUMENTATION = r"""
module: http_health
short_description: Check that an app answers over HTTP, the way the app defines healthy
version_added: 0.1.0
description:
  - Sends C(GET) to O(url) - or, when O(url) is empty, to O(path) on the address where O(service)
    publishes O(port) on the managed host (from O(containers), the rows
    M(community.docker.docker_compose_v2) read right after C(up); else from C(docker compose ps)).
  - Healthy means - the status is one of O(status) (default 200, any body); and, only when set, the
    body matches O(body_regex) and the body is JSON containing O(expect). Plain text, HTML and JSON
    of any shape pass the default check.
  - Retries O(retries) times O(delay) seconds apart until healthy; stops at the first healthy
    answer.
  - Reports whether the app is healthy (RV(ok)) and why not (RV(reason)); it fails only when
    O(fail_unhealthy=true).
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  project_src:
    description:
      - The Compose project directory; needed only when O(url) is empty and O(containers) too.
    type: path
    required: false
  url:
    description:
      - The URL to check. Empty - C(http://<published address of O(service):O(port)><O(path)>).
    type: str
    default: ""
  service:
    description: The service whose published port answers (when O(url) is empty).
    type: str
    default: backend
  port:
    description: The service's container port. V(0) - the only TCP port it publishes.
    type: int
    default: 0
  path:
    description: The path to request (when O(url) is empty).
    type: str
    default: /
  containers:
    description:
      - Rows of C(docker compose ps --format json) (with C(Publishers)) to find the address in.
    type: list
    elements: dict
    default: []
  status:
    description: The HTTP statuses that count as healthy.
    type: list
    elements: int
    default: [200]
  body_regex:
    description: A regular expression the body must match (Python C(re.search)). Empty - any body.
    type: str
    default: ""
  expect:
    description:
      - A JSON subset the body must contain (nested mappings compared key by key). Empty - the body
        need not be JSON.
    type: dict
    default: {}
  headers:
    description: Request headers, for example C(Host) for Django's C(ALLOWED_HOSTS).
    type: dict
    default: {}
  validate_certs:
    description: Verify the TLS certificate of an C(https) URL.
    type: bool
    default: true
  timeout:
    description: Seconds one request may take.
    type: float
    default: 5
  retries:
    description: Attempts after the first one.
    type: int
    default: 20
  delay:
    description: Seconds between attempts.
    type: float
    default: 3
  fail_unhealthy:
    description: Fail the task when the app is not healthy after the last attempt.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: A GET changes nothing; it runs the same in check mode.
  diff_mode:
    support: none
    description: A GET changes nothing; there is nothing to compare.
  platform:
    support: full
    platforms: posix
    description: Runs on the managed host, where the published port is reachable.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: ansible.builtin.uri
"""

EXAMPLES = r"""
- name: The app answers 200 on /healthz (plain text is fine)
  accreditrack.ops.http_health:
    project_src: /srv/shop
    service: web
    path: /healthz
    headers: {Host: shop.internal}
    fail_unhealthy: true
"""

RETURN = r"""
url:
  description: The URL requested.
  returned: always
  type: str
  sample: http://127.0.0.1:18500/healthz
status:
  description: The last HTTP status (null when nothing answered).
  returned: always
  type: int
  sample: 200
body:
  description: The last body - parsed when it is JSON, else text (at most 2000 characters).
  returned: always
  type: raw
  sample: ok
attempts:
  description: Requests sent.
  returned: always
  type: int
  sample: 1
ok:
  description: Whether the last answer was healthy.
  returned: always
  type: bool
reason:
  description: Why the last answer was not healthy (empty when it was).
  returned: always
  type: str
  sample: status 503, expected 200
"""

import time
from typing import Any, Optional

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_project import (
    compose_argv_of,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_release import (
    ReleaseError,
    containers,
    health_verdict,
    parse_json_rows,
    published_address,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    compose_argument_spec,
)


def get(module: AnsibleModule, url: str) -> tuple[Optional[int], str, str]:
    """(status, body, error) of one GET; an HTTP error status is an answer, not an error."""
    p = module.params
    try:
        resp = open_url(
            url,
            method="GET",
            headers={str(k): str(v) for k, v in p["headers"].items()},
            timeout=p["timeout"],
            validate_certs=p["validate_certs"],
        )
        return resp.getcode(), resp.read().decode("utf-8", "replace"), ""
    except HTTPError as exc:
        body = exc.read().decode("utf-8", "replace") if exc.fp else ""
        return exc.code, body, ""
    except Exception as exc:  # connection refused, reset, timeout, TLS: not an answer yet
        return None, "", f"{type(exc).__name__}: {exc}"


def health_url(module: AnsibleModule) -> str:
    p = module.params
    if p["url"]:
        return p["url"]
    rows = p["containers"]
    if rows:
        records = containers(rows, [])
    else:
        if not p["project_src"]:
            module.fail_json(msg="http_health needs url, containers or project_src")
        argv = [*compose_argv_of(p), "ps", "--all", "--format", "json", p["service"]]
        rc, out, err = module.run_command(argv, cwd=p["project_src"])
        if rc != 0:
            module.fail_json(msg=f"docker compose ps failed (rc={rc}): {err.strip()}", cmd=argv)
        records = containers(parse_json_rows(out, "ps"), [])
    path = p["path"] if p["path"].startswith("/") else "/" + p["path"]
    return f"http://{published_address(records, p['service'], p['port'] or None)}{path}"


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec["project_src"]["required"] = False
    argument_spec.update(
        {
            "url": {"type": "str", "default": ""},
            "service": {"type": "str", "default": "backend"},
            "port": {"type": "int", "default": 0},
            "path": {"type": "str", "default": "/"},
            "containers": {"type": "list", "elements": "dict", "default": []},
            "status": {"type": "list", "elements": "int", "default": [200]},
            "body_regex": {"type": "str", "default": ""},
            "expect": {"type": "dict", "default": {}},
            "headers": {"type": "dict", "default": {}},
            "validate_certs": {"type": "bool", "default": True},
            "timeout": {"type": "float", "default": 5},
            "retries": {"type": "int", "default": 20},
            "delay": {"type": "float", "default": 3},
            "fail_unhealthy": {"type": "bool", "default": False},
        }
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    if p["retries"] < 0 or p["delay"] < 0 or p["timeout"] <= 0:
        module.fail_json(msg="retries and delay must be >= 0, timeout > 0")
    try:
        url = health_url(module)
    except ReleaseError as exc:
        module.fail_json(msg=str(exc), ok=False)
    result: dict[str, Any] = {}
    for attempt in range(1, p["retries"] + 2):
        status, text, error = get(module, url)
        ok, reason, body = health_verdict(status, text, p["status"], p["body_regex"], p["expect"])
        result = {
            "changed": False,
            "url": url,
            "status": status,
            "body": body,
            "attempts": attempt,
            "ok": ok,
            "reason": reason if not error else f"{reason}: {error}",
        }
        if ok:
            break
        if attempt <= p["retries"]:
            time.sleep(p["delay"])
    if not result["ok"] and p["fail_unhealthy"]:
        module.fail_json(
            msg=f"GET {url} is not healthy after {result['attempts']} attempts: {result['reason']}",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
