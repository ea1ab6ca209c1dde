#!/usr/bin/python
# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Why a module: community.docker's docker_compose_v2 reads containers and images only as part of
# `up`/`down`, and docker_image_info cannot say which image a compose service is configured to run
# under a given environment (`docker compose config`). The release record and its check against what
# Docker really runs are one decision; here it is one task, in Python, unit-tested.

from __future__ import annotations

DOCUMENTATION = r"""
module: compose_release_info
short_description: The release a Compose project runs, from what Docker reports
version_added: 0.1.0
description:
  - Reads the project's containers (C(docker compose ps --all)) and their images
    (C(docker compose images)), or takes them from O(state) (what
    M(community.docker.docker_compose_v2) read right after its C(up)), and returns one record per
    container - service, image, image id, state, health, published ports - and the release - the
    tag of O(service)'s image.
  - With O(verify=true), also checks that every service of O(services) runs what the compose file
    says under the current environment (C(docker compose config)) - each has a running container,
    every container runs the configured image, and that image's current id (C(docker image
    inspect)); a container created from an older build of the same tag does not count. The
    release is known from Docker, never from what the app answers.
  - Changes nothing.
extends_documentation_fragment:
  - accreditrack.ops.compose_db
options:
  service:
    description: The service whose image tag names the release (the Django service).
    type: str
    default: backend
  services:
    description: The services O(verify) checks.
    type: list
    elements: str
    default: []
  state:
    description:
      - What was read already - C(containers) (rows of C(docker compose ps --format json)) and
        C(images) (rows of C(docker compose images --format json)). Empty - read them.
    type: dict
    default: {}
  verify:
    description: Check O(services) against C(docker compose config) and the images' ids.
    type: bool
    default: false
  fail_on_mismatch:
    description: With O(verify=true), fail when a service does not run the configured image.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
  platform:
    support: full
    platforms: posix
    description: Runs C(docker compose) and C(docker) on the managed host.
author:
  - AccrediTrack operations team (@accreditrack)
seealso:
  - module: community.docker.docker_compose_v2
"""

EXAMPLES = r"""
- name: Which release runs, checked against the compose file
  accreditrack.ops.compose_release_info:
    project_src: /srv/shop
    files: [deploy/compose.prod.yml]
    profiles: [app]
    service: web
    services: [web, worker]
    verify: true
  environment:
    SHOP_VERSION: "2025.1"
  register: shop_release
"""

RETURN = r"""
release:
  description:
    - The tag of O(service)'s image (its first container by name); null when it has no container
      or no tag.
  returned: always
  type: str
  sample: "2025.1"
service:
  description: O(service).
  returned: always
  type: str
running:
  description: Whether O(service)'s first container is running.
  returned: always
  type: bool
containers:
  description: One record per container of the project.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The service.
      type: str
      returned: always
    name:
      description: The container's name.
      type: str
      returned: always
    image:
      description: The image reference it was created from.
      type: str
      returned: always
    image_id:
      description: The id of that image (C(sha256:...)), null when unknown.
      type: str
      returned: always
    state:
      description: The container's state (V(running), V(exited) ...).
      type: str
      returned: always
    health:
      description: Its health (V(healthy), V(starting) ... or empty).
      type: str
      returned: always
    publishers:
      description: Its published ports as Compose lists them.
      type: list
      returned: always
  sample:
    - service: web
      name: shop-web-1
      image: "shop-web:2025.1"
      image_id: "sha256:4f1c..."
      state: running
      health: healthy
      publishers: []
images:
  description: The rows of C(docker compose images --format json) (or of O(state)), as printed.
  returned: always
  type: list
  elements: dict
  sample:
    - {ContainerName: shop-web-1, ID: "sha256:4f1c...", Repository: shop-web, Tag: "2025.1"}
expected:
  description:
    - With O(verify) - the image each service of the compose file runs under this environment.
  returned: when verify
  type: dict
  sample: {web: "shop-web:2025.1", worker: "shop-web:2025.1", postgres: "shop-db:15"}
mismatches:
  description:
    - With O(verify) - why a service of O(services) does not run its configured image (empty - all
      do).
  returned: when verify
  type: list
  elements: str
  sample: ["shop-worker-1 (worker) runs shop-web:2024.10, not shop-web:2025.1"]
verified:
  description: With O(verify) - every service of O(services) runs its configured image.
  returned: when verify
  type: bool
"""

import json
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_project import (
    compose_argv_of,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._compose_release import (
    ReleaseError,
    containers,
    expected_images,
    mismatches,
    parse_json_rows,
    release_record,
)
from ansible_collections.accreditrack.ops.plugins.module_utils._pg_archive import (
    compose_argument_spec,
)


class ReleaseInfo:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.base = compose_argv_of(self.params)

    def run(self, args: list[str], what: str) -> str:
        argv = [*self.base, *args]
        rc, out, err = self.module.run_command(argv, cwd=self.params["project_src"])
        if rc != 0:
            self.module.fail_json(
                msg=f"docker {what} failed (rc={rc}): {(err or out).strip()[-800:]}",
                cmd=argv,
                rc=rc,
            )
        return out

    def image_ids(self, images: list[str]) -> dict[str, str]:
        """The current id of each image reference (missing images are left out)."""
        ids = {}
        for image in sorted(set(images)):
            argv = [self.params["docker_cli"], "image", "inspect", "--format", "{{.Id}}", image]
            rc, out, _err = self.module.run_command(argv)
            if rc == 0 and out.strip():
                ids[image] = out.strip().splitlines()[0]
        return ids

    def main(self) -> None:
        p = self.params
        state = p["state"] or {}
        try:
            if state:
                ps_rows = list(state.get("containers") or [])
                image_rows = list(state.get("images") or [])
            else:
                ps_rows = parse_json_rows(
                    self.run(["ps", "--all", "--format", "json"], "compose ps"), "ps"
                )
                image_rows = parse_json_rows(
                    self.run(["images", "--format", "json"], "compose images"), "images"
                )
            records = containers(ps_rows, image_rows)
            result: dict[str, Any] = dict(
                release_record(records, p["service"]), containers=records, images=image_rows
            )
            if p["verify"]:
                config = json.loads(self.run(["config", "--format", "json"], "compose config"))
                expected = expected_images(config, p.get("project_name") or "")
                wanted = [expected[s] for s in p["services"] if s in expected]
                problems = mismatches(records, p["services"], expected, self.image_ids(wanted))
                result.update(expected=expected, mismatches=problems, verified=not problems)
        except (ReleaseError, ValueError) as exc:
            self.module.fail_json(msg=str(exc))
        result["changed"] = False
        if p["verify"] and result["mismatches"] and p["fail_on_mismatch"]:
            self.module.fail_json(
                msg="The services do not run the release the compose file names: "
                + "; ".join(result["mismatches"]),
                **result,
            )
        self.module.exit_json(**result)


def main() -> None:
    argument_spec = compose_argument_spec()
    argument_spec.update(
        {
            "service": {"type": "str", "default": "backend"},
            "services": {"type": "list", "elements": "str", "default": []},
            "state": {"type": "dict", "default": {}},
            "verify": {"type": "bool", "default": False},
            "fail_on_mismatch": {"type": "bool", "default": True},
        }
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    ReleaseInfo(module).main()


if __name__ == "__main__":
    main()
