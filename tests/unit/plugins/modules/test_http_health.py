# Copyright (c) 2026, AccrediTrack operations team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module accreditrack.ops.http_health against a real HTTP server on loopback: plain-text and HTML
apps pass the default check, a Host header reaches the app, retries stop at the first healthy
answer, and a failed check says why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

MODULE = Path(__file__).resolve().parents[4] / "plugins" / "modules" / "http_health.py"


class App(BaseHTTPRequestHandler):
    """/healthz: 'ok' (text/plain) for Host shelf.internal only (like Django's ALLOWED_HOSTS);
    /flaky: 503 twice, then 200; /json: the example's JSON; /html: a page."""

    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self):
        App.hits[self.path] = App.hits.get(self.path, 0) + 1
        if self.path == "/healthz":
            ok = self.headers.get("Host") == "shelf.internal"
            self.answer(200 if ok else 400, "ok" if ok else "Bad Request (400)", "text/plain")
        elif self.path == "/flaky":
            self.answer(503 if App.hits[self.path] <= 2 else 200, "wait", "text/plain")
        elif self.path == "/json":
            self.answer(200, json.dumps({"status": "ok", "release": "v2"}), "application/json")
        else:
            self.answer(200, "<html><body>Login</body></html>", "text/html")

    def answer(self, status, body, ctype):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), App)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def run(tmp_path, collections_root, **args) -> dict:
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = {**os.environ, "PYTHONPATH": str(collections_root)}
    done = subprocess.run(
        [sys.executable, str(MODULE), str(args_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def test_plain_text_with_a_host_header(tmp_path, collections_root, server):
    got = run(
        tmp_path,
        collections_root,
        url=f"http://{server}/healthz",
        headers={"Host": "shelf.internal"},
        retries=0,
    )
    assert got["ok"] is True and got["status"] == 200 and got["body"] == "ok"
    assert got["changed"] is False


def test_without_the_host_header_it_says_why(tmp_path, collections_root, server):
    got = run(tmp_path, collections_root, url=f"http://{server}/healthz", retries=1, delay=0)
    assert got["ok"] is False and got["attempts"] == 2
    assert got["reason"] == "status 400, expected 200"
    assert "failed" not in got or got["failed"] is False


def test_fail_unhealthy_fails_with_the_reason(tmp_path, collections_root, server):
    got = run(
        tmp_path,
        collections_root,
        url=f"http://{server}/healthz",
        retries=0,
        fail_unhealthy=True,
    )
    assert got["failed"] is True
    assert "is not healthy after 1 attempts: status 400, expected 200" in got["msg"]


def test_retries_stop_at_the_first_healthy_answer(tmp_path, collections_root, server):
    got = run(tmp_path, collections_root, url=f"http://{server}/flaky", retries=5, delay=0.1)
    assert got["ok"] is True and got["attempts"] == 3


def test_html_passes_the_default_and_json_subset_needs_json(tmp_path, collections_root, server):
    page = run(tmp_path, collections_root, url=f"http://{server}/", retries=0)
    assert page["ok"] is True
    page = run(
        tmp_path, collections_root, url=f"http://{server}/", retries=0, expect={"status": "ok"}
    )
    assert page["ok"] is False and "not JSON" in page["reason"]
    js = run(
        tmp_path, collections_root, url=f"http://{server}/json", retries=0, expect={"status": "ok"}
    )
    assert js["ok"] is True and js["body"] == {"status": "ok", "release": "v2"}


def test_nothing_listening_is_no_answer(tmp_path, collections_root):
    got = run(tmp_path, collections_root, url="http://127.0.0.1:9/", retries=0, timeout=2)
    assert got["ok"] is False and got["status"] is None
    assert got["reason"].startswith("no answer")


def test_address_from_the_rows_up_read(tmp_path, collections_root, server):
    host, port = server.split(":")
    rows = [
        {
            "Service": "web",
            "Name": "shelf-web-1",
            "State": "running",
            "Publishers": [
                {
                    "URL": "0.0.0.0",
                    "TargetPort": 8080,
                    "PublishedPort": int(port),
                    "Protocol": "tcp",
                }
            ],
        }
    ]
    got = run(
        tmp_path,
        collections_root,
        containers=rows,
        service="web",
        path="healthz",
        headers={"Host": "shelf.internal"},
        retries=0,
    )
    assert got["url"] == f"http://{host}:{port}/healthz" and got["ok"] is True
