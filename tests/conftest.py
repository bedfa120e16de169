"""Shared across the whole suite: one throwaway PostgreSQL and one set of real service
processes per session (tests/pg.py), whichever directory's tests ask for them, and the HTTP test
servers (tests/http_servers.py)."""

pytest_plugins = ["pg", "http_servers"]
