# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the accreditrack.ops collection: not a public API. It may change in any release,
# without a deprecation period. Do not import it from outside this collection.
#
# Which release runs, as Docker reports it, and whether the app answers: pure functions over what
# `docker compose ps/images/config --format json` and `docker image inspect` print, and over an HTTP
# answer. The modules compose_release_info and http_health run the commands and the request.

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional

BODY_LIMIT = 2000


class ReleaseError(ValueError):
    """Docker's answer cannot be read, or the address cannot be found; the message says why."""


def parse_json_rows(text: str, what: str) -> list[dict[str, Any]]:
    """Rows of ``docker compose ps/images --format json``: a JSON list (newer Compose), one JSON
    object per line (older Compose), or an object keyed by container (``images``, Compose 2.37+)."""
    text = (text or "").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise ReleaseError(f"docker compose {what} printed no JSON: {text[:200]!r}") from exc
    if isinstance(data, Mapping):
        data = list(data.values()) if all(isinstance(v, Mapping) for v in data.values()) else [data]
    if not isinstance(data, list) or not all(isinstance(row, Mapping) for row in data):
        raise ReleaseError(
            f"docker compose {what} printed JSON of an unknown shape: {text[:200]!r}"
        )
    return [dict(row) for row in data]


def release_of(image: Optional[str]) -> Optional[str]:
    """The tag of an image reference (``shop:2025.1`` -> ``2025.1``), None without a tag
    (``registry:5000/shop`` has none; a digest is not a tag)."""
    if not image:
        return None
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    return last.rsplit(":", 1)[1] or None


def containers(
    ps_rows: Iterable[Mapping[str, Any]], image_rows: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One record per container: service, name, image, image id, state, health, publishers."""
    ids = {row.get("ContainerName"): row.get("ID") for row in image_rows}
    out = []
    for row in ps_rows:
        out.append(
            {
                "service": row.get("Service"),
                "name": row.get("Name"),
                "image": row.get("Image"),
                "image_id": ids.get(row.get("Name")),
                "state": row.get("State"),
                "health": row.get("Health") or "",
                "publishers": list(row.get("Publishers") or []),
            }
        )
    return sorted(out, key=lambda c: (str(c["service"]), str(c["name"])))


def of_service(records: Sequence[Mapping[str, Any]], service: str) -> list[Mapping[str, Any]]:
    return [c for c in records if c.get("service") == service]


def release_record(records: Sequence[Mapping[str, Any]], service: str) -> dict[str, Any]:
    """The release that runs: the tag of ``service``'s image (its first container by name)."""
    rows = of_service(records, service)
    first = rows[0] if rows else {}
    return {
        "release": release_of(first.get("image")),
        "service": service,
        "running": first.get("state") == "running",
        "image": first.get("image"),
        "image_id": first.get("image_id"),
    }


def expected_images(config: Mapping[str, Any], project_name: str = "") -> dict[str, str]:
    """The image each service of ``docker compose config --format json`` runs (a service built
    without ``image:`` gets Compose's name ``<project>-<service>``)."""
    services = config.get("services") or {}
    name = config.get("name") or project_name
    out = {}
    for service, spec in services.items():
        spec = spec or {}
        image = spec.get("image") or (f"{name}-{service}" if name else "")
        if image:
            out[str(service)] = str(image)
    return out


def _same_image(running: Optional[str], expected: str) -> bool:
    def norm(ref: str) -> str:
        ref = ref or ""
        for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
            if ref.startswith(prefix):
                ref = ref[len(prefix) :]
        return ref if release_of(ref) or "@" in ref else ref + ":latest"

    return bool(running) and norm(running) == norm(expected)


def mismatches(
    records: Sequence[Mapping[str, Any]],
    services: Sequence[str],
    expected: Mapping[str, str],
    image_ids: Mapping[str, str],
) -> list[str]:
    """Why the services do not run the release (empty: they do). Each service needs at least one
    running container, every container of it the expected image, and that image's current id."""
    problems = []
    for service in services:
        rows = of_service(records, service)
        want = expected.get(service)
        if not rows:
            problems.append(f"service {service} has no container")
            continue
        for row in rows:
            name = row.get("name")
            if row.get("state") != "running":
                problems.append(f"{name} ({service}) is {row.get('state')}, not running")
            if want and not _same_image(row.get("image"), want):
                problems.append(f"{name} ({service}) runs {row.get('image')}, not {want}")
            elif (
                want and image_ids.get(want) and row.get("image_id") not in (None, image_ids[want])
            ):
                problems.append(
                    f"{name} ({service}) runs an older build of {want} "
                    f"({str(row['image_id'])[:19]}, the image is {image_ids[want][:19]})"
                )
    return problems


def published_address(
    records: Sequence[Mapping[str, Any]], service: str, port: Optional[int]
) -> str:
    """host:port where ``service`` publishes ``port`` (TCP) on the managed host; with no ``port``,
    the only TCP port it publishes. 0.0.0.0 and :: become the loopback address."""
    rows = [r for r in of_service(records, service) if r.get("state") == "running"] or of_service(
        records, service
    )
    if not rows:
        raise ReleaseError(f"service {service} has no container to check the health of")
    pubs = [
        p
        for p in rows[0].get("publishers") or []
        if int(p.get("PublishedPort") or 0) > 0 and (p.get("Protocol") or "tcp") == "tcp"
    ]
    targets = sorted({int(p.get("TargetPort") or 0) for p in pubs})
    if port:
        pubs = [p for p in pubs if int(p.get("TargetPort") or 0) == int(port)]
        if not pubs:
            raise ReleaseError(
                f"service {service} publishes no port for its container port {port} "
                f"(it publishes {', '.join(map(str, targets)) or 'none'}); set health_url, or "
                "health_port to one it publishes"
            )
    elif len(targets) != 1:
        raise ReleaseError(
            f"service {service} publishes "
            + (
                f"several container ports ({', '.join(map(str, targets))})"
                if targets
                else "no port"
            )
            + ": set health_url (e.g. http://127.0.0.1:8080/healthz)"
            + (", or health_port to one of them" if targets else ", or health_check: false")
        )
    # IPv4 first: it is what a plain 127.0.0.1 client reaches.
    pubs = sorted(pubs, key=lambda p: ":" in str(p.get("URL") or ""))
    host = str(pubs[0].get("URL") or "0.0.0.0")
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "[::1]"
    elif ":" in host:
        host = f"[{host}]"
    return f"{host}:{pubs[0]['PublishedPort']}"


def json_contains(document: Any, subset: Any) -> bool:
    """True when every key of ``subset`` is in ``document`` with an equal value (nested mappings
    compared the same way; lists and scalars compared whole)."""
    if isinstance(subset, Mapping):
        return isinstance(document, Mapping) and all(
            key in document and json_contains(document[key], value) for key, value in subset.items()
        )
    if isinstance(subset, bool) or isinstance(document, bool):
        return subset is document
    if document == subset:
        return True
    # YAML reads `release: 2025.10` as a number; the app answers "2025.10".
    scalars = (str, int, float)
    return (
        isinstance(document, scalars)
        and isinstance(subset, scalars)
        and isinstance(document, str) != isinstance(subset, str)
        and str(document) == str(subset)
    )


def health_verdict(
    status: Optional[int],
    text: str,
    statuses: Sequence[int],
    body_regex: str = "",
    expect: Optional[Mapping[str, Any]] = None,
) -> tuple[bool, str, Any]:
    """(healthy, why not, the body - parsed JSON when it is JSON, else text cut to BODY_LIMIT)."""
    try:
        body: Any = json.loads(text) if text else None
        is_json = text is not None and text.strip()[:1] in ("{", "[")
    except ValueError:
        body, is_json = None, False
    shown = body if is_json else (text or "")[:BODY_LIMIT]
    if status is None:
        return False, "no answer", shown
    if status not in statuses:
        return False, f"status {status}, expected {' or '.join(map(str, statuses))}", shown
    if body_regex and not re.search(body_regex, text or ""):
        return False, f"the body does not match {body_regex!r}", shown
    if expect:
        if not is_json:
            return False, "the body is not JSON (health_expect needs a JSON body)", shown
        if not json_contains(body, expect):
            return False, f"the JSON body does not contain {json.dumps(dict(expect))}", shown
    return True, "", shown
