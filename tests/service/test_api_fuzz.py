"""Fuzz: arbitrary path segments, query strings and bodies never get a 5xx or a non-JSON error."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from flowscope.metastore.store import SqlMetadataStore

from .helpers import Api, seed_run

TEMPLATES = [
    ("GET", "/flows/{a}"),
    ("GET", "/flows/{a}/runs"),
    ("POST", "/flows/{a}/runs"),
    ("GET", "/flows/F/runs/{a}"),
    ("GET", "/flows/{a}/runs/{b}/parameters"),
    ("POST", "/flows/F/runs/{a}/heartbeat"),
    ("POST", "/flows/F/runs/{a}/finish"),
    ("POST", "/flows/F/runs/1/tags"),
    ("GET", "/flows/F/runs/{a}/steps"),
    ("GET", "/flows/F/runs/1/tasks"),
    ("POST", "/flows/F/runs/{a}/tasks"),
    ("POST", "/flows/F/runs/1/attempts"),
    ("POST", "/flows/F/runs/1/attempts/finish"),
    ("GET", "/flows/F/runs/{a}/tasks/{b}"),
    ("GET", "/flows/F/runs/1/tasks/{a}/attempts/{b}/facts"),
    ("GET", "/flows/F/runs/1/tasks/1/attempts/{a}/artifacts"),
    ("GET", "/flows/F/runs/1/steps/{a}/artifacts"),
    ("GET", "/blobs/{a}"),
    ("PUT", "/blobs/{a}"),
    ("POST", "/blobs/exists"),
    ("GET", "/{a}"),
]
QUERY_KEYS = [
    "tag",
    "any_tag",
    "status",
    "user",
    "since",
    "until",
    "limit",
    "cursor",
    "step",
    "attempt",
    "name",
    "param.alpha",
    "param.",
    "x",
]

segments = st.one_of(
    st.text(min_size=1, max_size=30),
    st.sampled_from(
        [
            "1",
            "0",
            "-1",
            "F",
            "start",
            "99999999999999999999",
            "1e3",
            "%00",
            "..",
            "a" * 64,
            "0" * 64,
            "' OR 1=1 --",
            "\ud7ff",
            "NaN",
        ]
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "user",
        "user_tags",
        "system_tags",
        "parameters",
        "tasks",
        "task_id",
        "attempts",
        "results",
        "status",
        "add",
        "remove",
        "keys",
        "created_at",
        "step_name",
        "attempt",
        "artifacts",
        "facts",
    ]
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(field_names, json_values, max_size=5).map(lambda v: json.dumps(v).encode()),
)


def check(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert set(body["error"]) == {"type", "message"}
        assert "Traceback" not in response.text


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    template=st.sampled_from(TEMPLATES),
    a=segments,
    b=segments,
    query=st.lists(st.tuples(st.sampled_from(QUERY_KEYS), st.text(max_size=20)), max_size=4),
    body=bodies,
)
def test_fuzzed_requests_never_fail_the_server(
    api: Api,
    store: SqlMetadataStore,
    template: tuple[str, str],
    a: str,
    b: str,
    query: list[tuple[str, str]],
    body: bytes,
) -> None:
    if store.get_run("F", 1) is None:
        seed_run(store)
    method, path = template
    path = path.format(a=urllib.parse.quote(a, safe=""), b=urllib.parse.quote(b, safe=""))
    content = body if method in ("POST", "PUT") else None
    check(api.request(method, path, params=query, content=content))
