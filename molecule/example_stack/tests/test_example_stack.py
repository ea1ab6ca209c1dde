"""The example stack runs at release v1: containers up, health endpoint answers, schema migrated."""

import json
import os

import stack

PORT = os.environ.get("ATS_BACKEND_PORT", "18001")


def test_db_and_backend_run_and_are_healthy(host):
    states = stack.container_states(host)
    assert set(states) >= {"db", "backend"}
    for service in ("db", "backend"):
        assert states[service]["State"] == "running", states[service]
        assert states[service]["Health"] == "healthy", states[service]


def test_health_endpoint_answers(host):
    status, text = stack.http_get(host, f"http://127.0.0.1:{PORT}/health/")
    assert status == 200, text
    body = json.loads(text)
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["release"] == "v1"
    assert body["migrations_pending"] == 0


def test_django_migrations_has_rows(host):
    applied = stack.applied_migrations(host)
    assert "accounts.0001_initial" in applied
    assert any(name.startswith("contenttypes.") for name in applied)


def test_database_password_is_not_in_compose_file(host):
    with open(os.path.join(stack.PROJECT_SRC, "compose.yaml"), encoding="utf-8") as handle:
        assert stack.env_value("POSTGRES_PASSWORD") not in handle.read()
