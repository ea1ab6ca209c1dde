"""Always-present app of the example backend: the health endpoint (no models)."""
