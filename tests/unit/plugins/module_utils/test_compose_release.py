# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which release runs (from Docker's answers) and whether the app is healthy (from its answer)."""

from __future__ import annotations

import json

import pytest
from ansible_collections.accreditrack.ops.plugins.module_utils import _compose_release as cr

PS_ROW = {
    "Service": "web",
    "Name": "shelf-web-1",
    "Image": "bookshelf-web:2025.1",
    "State": "running",
    "Health": "healthy",
    "Publishers": [
        {"URL": "127.0.0.1", "TargetPort": 8080, "PublishedPort": 18500, "Protocol": "tcp"},
    ],
}
WORKER = dict(PS_ROW, Service="worker", Name="shelf-worker-1", Health="", Publishers=[])
IMAGES = [
    {
        "ContainerName": "shelf-web-1",
        "ID": "sha256:aaa",
        "Repository": "bookshelf-web",
        "Tag": "2025.1",
    },
    {"ContainerName": "shelf-worker-1", "ID": "sha256:aaa", "Repository": "bookshelf-web"},
]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        pytest.param('[{"Name": "a"}, {"Name": "b"}]', 2, id="json-list"),
        pytest.param('{"Name": "a"}\n{"Name": "b"}\n', 2, id="json-lines"),
        pytest.param(
            '{"a": {"ContainerName": "a"}, "b": {"ContainerName": "b"}}', 2, id="by-container"
        ),
        pytest.param('{"Name": "a"}', 1, id="one-object"),
        pytest.param("", 0, id="empty"),
    ],
)
def test_parse_json_rows_every_compose_shape(text, rows):
    assert len(cr.parse_json_rows(text, "ps")) == rows


def test_parse_json_rows_refuses_text():
    with pytest.raises(cr.ReleaseError, match="printed no JSON"):
        cr.parse_json_rows("NAME IMAGE\nx y", "ps")


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("bookshelf-web:2025.1", "2025.1"),
        ("registry.example.com:5000/shop/web:v2", "v2"),
        ("registry.example.com:5000/shop/web", None),
        ("shop@sha256:abc", None),
        ("shop:v3@sha256:abc", "v3"),
        ("", None),
        (None, None),
    ],
)
def test_release_of(image, tag):
    assert cr.release_of(image) == tag


def test_containers_and_release_record():
    records = cr.containers([WORKER, PS_ROW], IMAGES)
    assert [c["service"] for c in records] == ["web", "worker"]
    assert records[0]["image_id"] == "sha256:aaa"
    record = cr.release_record(records, "web")
    assert record == {
        "release": "2025.1",
        "service": "web",
        "running": True,
        "image": "bookshelf-web:2025.1",
        "image_id": "sha256:aaa",
    }
    assert cr.release_record(records, "backend")["release"] is None


def test_expected_images_with_and_without_image_key():
    config = {"name": "shelf", "services": {"web": {"image": "bookshelf-web:2025.1"}, "job": {}}}
    assert cr.expected_images(config) == {"web": "bookshelf-web:2025.1", "job": "shelf-job"}


def test_mismatches_nothing_when_the_release_runs():
    records = cr.containers([PS_ROW, WORKER], IMAGES)
    expected = {"web": "bookshelf-web:2025.1", "worker": "bookshelf-web:2025.1"}
    assert (
        cr.mismatches(records, ["web", "worker"], expected, {"bookshelf-web:2025.1": "sha256:aaa"})
        == []
    )


def test_mismatches_names_each_problem():
    old_worker = dict(WORKER, Image="bookshelf-web:2024.10")
    stopped = dict(PS_ROW, State="exited")
    records = cr.containers([stopped, old_worker], IMAGES)
    expected = {"web": "bookshelf-web:2025.1", "worker": "bookshelf-web:2025.1", "cron": "x:1"}
    problems = cr.mismatches(records, ["web", "worker", "cron"], expected, {})
    assert problems == [
        "shelf-web-1 (web) is exited, not running",
        "shelf-worker-1 (worker) runs bookshelf-web:2024.10, not bookshelf-web:2025.1",
        "service cron has no container",
    ]


def test_mismatches_an_older_build_of_the_same_tag():
    records = cr.containers([PS_ROW], IMAGES)
    problems = cr.mismatches(
        records, ["web"], {"web": "bookshelf-web:2025.1"}, {"bookshelf-web:2025.1": "sha256:bbb"}
    )
    assert problems and "older build of bookshelf-web:2025.1" in problems[0]


def test_docker_io_prefix_and_latest_are_the_same_image():
    row = dict(PS_ROW, Image="docker.io/library/postgres:16")
    records = cr.containers([row], [])
    assert cr.mismatches(records, ["web"], {"web": "postgres:16"}, {}) == []
    row = dict(PS_ROW, Image="nginx")
    assert cr.mismatches(cr.containers([row], []), ["web"], {"web": "nginx:latest"}, {}) == []


@pytest.mark.parametrize(
    ("publishers", "port", "address"),
    [
        pytest.param(PS_ROW["Publishers"], None, "127.0.0.1:18500", id="the-only-port"),
        pytest.param(
            [{"URL": "0.0.0.0", "TargetPort": 8000, "PublishedPort": 8000, "Protocol": "tcp"},
             {"URL": "::", "TargetPort": 8000, "PublishedPort": 8000, "Protocol": "tcp"}],
            None, "127.0.0.1:8000", id="all-addresses-ipv4-first",
        ),
        pytest.param(
            [{"URL": "::", "TargetPort": 8000, "PublishedPort": 8001, "Protocol": "tcp"}],
            None, "[::1]:8001", id="ipv6-any",
        ),
        pytest.param(
            [{"URL": "0.0.0.0", "TargetPort": 8000, "PublishedPort": 8000, "Protocol": "tcp"},
             {"URL": "0.0.0.0", "TargetPort": 9000, "PublishedPort": 9001, "Protocol": "tcp"},
             {"URL": "0.0.0.0", "TargetPort": 53, "PublishedPort": 53, "Protocol": "udp"}],
            9000, "127.0.0.1:9001", id="chosen-port",
        ),
    ],
)  # fmt: skip
def test_published_address(publishers, port, address):
    records = cr.containers([dict(PS_ROW, Publishers=publishers)], [])
    assert cr.published_address(records, "web", port) == address


@pytest.mark.parametrize(
    ("publishers", "port", "message"),
    [
        pytest.param([], None, "publishes no port: set health_url", id="none"),
        pytest.param(
            [
                {"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 80, "Protocol": "tcp"},
                {"URL": "0.0.0.0", "TargetPort": 443, "PublishedPort": 443, "Protocol": "tcp"},
            ],
            None,
            "several container ports \\(80, 443\\)",
            id="several",
        ),
        pytest.param(
            PS_ROW["Publishers"], 8000, "no port for its container port 8000", id="wrong-port"
        ),
        pytest.param(
            [{"URL": "", "TargetPort": 5432, "PublishedPort": 0, "Protocol": "tcp"}],
            None,
            "publishes no port",
            id="exposed-not-published",
        ),
    ],
)
def test_published_address_errors_name_the_fix(publishers, port, message):
    records = cr.containers([dict(PS_ROW, Publishers=publishers)], [])
    with pytest.raises(cr.ReleaseError, match=message):
        cr.published_address(records, "web", port)


def test_published_address_without_a_container():
    with pytest.raises(cr.ReleaseError, match="service web has no container"):
        cr.published_address([], "web", None)


@pytest.mark.parametrize(
    ("status", "text", "statuses", "regex", "expect", "ok", "reason"),
    [
        pytest.param(200, "ok", [200], "", {}, True, "", id="plain-text"),
        pytest.param(200, "<html>up</html>", [200], "", {}, True, "", id="html"),
        pytest.param(200, '{"healthy": true}', [200], "", {}, True, "", id="json-any-shape"),
        pytest.param(503, "down", [200], "", {}, False, "status 503, expected 200", id="status"),
        pytest.param(204, "", [200, 204], "", {}, True, "", id="status-list"),
        pytest.param(200, "ok", [200], "^ok$", {}, True, "", id="regex-match"),
        pytest.param(200, "degraded", [200], "^ok", {}, False, "does not match", id="regex-miss"),
        pytest.param(
            200, "ok", [200], "", {"status": "ok"}, False, "not JSON", id="expect-not-json"
        ),
        pytest.param(
            200,
            '{"status": "ok", "db": {"up": true}}',
            [200],
            "",
            {"db": {"up": True}},
            True,
            "",
            id="expect-nested",
        ),
        pytest.param(
            200,
            '{"status": "ok"}',
            [200],
            "",
            {"release": "v2"},
            False,
            "does not contain",
            id="expect-missing",
        ),
        pytest.param(
            200, '{"version": "2025.1"}', [200], "", {"version": 2025.1}, True, "", id="yaml-number"
        ),
        pytest.param(
            200, '{"n": 1}', [200], "", {"n": True}, False, "does not contain", id="bool-not-int"
        ),
        pytest.param(None, "", [200], "", {}, False, "no answer", id="no-answer"),
    ],
)
def test_health_verdict(status, text, statuses, regex, expect, ok, reason):
    got_ok, got_reason, _body = cr.health_verdict(status, text, statuses, regex, expect)
    assert got_ok is ok
    assert reason in got_reason


def test_health_verdict_body_is_json_when_json_else_cut_text():
    assert cr.health_verdict(200, '{"a": 1}', [200])[2] == {"a": 1}
    assert cr.health_verdict(200, "x" * 5000, [200])[2] == "x" * cr.BODY_LIMIT
    assert json.dumps(cr.health_verdict(200, "not {json", [200])[2]) == '"not {json"'
