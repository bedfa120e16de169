"""The handlers (pages.py): every page and endpoint of the UI, in-process over real runs of a
hostile flow: what each shows, that hostile strings arrive escaped, and the Host/Origin/CSRF
checks as a browser would meet them."""

from __future__ import annotations

import re
from typing import Any

from .conftest import HOSTILE

RAW = ("<script>window", "<img src=x", 'onerror="window')


def assert_escaped(html: str) -> None:
    for raw in RAW:
        assert raw not in html, raw


def tid(client: Any, step: str, run: int = 1) -> str:
    found = re.findall(
        rf"/ui/HostileFlow/{run}/{step}/(\d+)\"", client.get(f"/ui/HostileFlow/{run}/{step}").text
    )
    assert found
    return str(found[0])


def test_home_redirects_and_flows_are_listed(client: Any) -> None:
    assert client.get("/").headers["location"] == "/ui/"
    page = client.get("/ui/")
    assert page.status_code == 200 and 'href="/ui/HostileFlow"' in page.text
    assert (
        "content-security-policy" in page.headers
        and "script-src 'self'" in page.headers["content-security-policy"]
    )


def test_runs_list_filters_facets_params_and_sorting(client: Any) -> None:
    page = client.get("/ui/HostileFlow")
    assert page.status_code == 200
    assert '<tr data-run="2">' in page.text and '<tr data-run="1">' in page.text
    assert "<th><a" in page.text and "alpha" in page.text and "note" in page.text
    assert_escaped(page.text)
    assert "&lt;script&gt;" in page.text  # the hostile tag, shown as text
    tagged = client.get("/ui/HostileFlow", params={"tag": "keeper"})
    assert '<tr data-run="1">' in tagged.text and '<tr data-run="2">' not in tagged.text
    failed = client.get("/ui/HostileFlow", params={"status": "failed"})
    assert "No runs match." in failed.text
    ascending = client.get("/ui/HostileFlow", params={"sort": "id", "order": "asc"}).text
    assert ascending.index('data-run="1"') < ascending.index('data-run="2"')
    assert client.get("/ui/HostileFlow", params={"status": "bogus"}).status_code == 400


def test_scalar_results_are_columns_sorted_over_the_whole_listing(client: Any) -> None:
    page = client.get("/ui/HostileFlow")
    assert ">data.accuracy" in page.text and ">data.label" in page.text
    assert ">0.55<" in page.text and ">0.7<" in page.text  # alpha 0.5 and 2
    assert_escaped(page.text)  # the label is a hostile string, shown as text
    up = client.get("/ui/HostileFlow", params={"sort": "data:accuracy", "order": "asc"}).text
    assert up.index('data-run="1"') < up.index('data-run="2"')
    down = client.get("/ui/HostileFlow", params={"sort": "data:accuracy"}).text
    assert down.index('data-run="2"') < down.index('data-run="1"')
    assert 'id="notice"' not in up  # two runs: the whole listing was sorted


def test_search_box_uses_the_filter_language(client: Any) -> None:
    page = client.get("/ui/HostileFlow", params={"where": "params.alpha > 1"})
    assert page.status_code == 200
    assert 'data-run="2"' in page.text and 'data-run="1"' not in page.text
    bad = client.get("/ui/HostileFlow", params={"where": "params.alpha >"})
    assert bad.status_code == 200 and 'id="notice"' in bad.text and "<tr data-run" not in bad.text


def test_run_page_shows_graph_timeline_params_tags_command_and_code(client: Any) -> None:
    page = client.get("/ui/HostileFlow/1")
    html = page.text
    assert page.status_code == 200
    assert 'class="fs-graph"' in html and "fs-type-foreach" in html and "fs-type-join" in html
    assert "3 tasks" in html and "fs-status-succeeded" in html
    assert 'class="fs-timeline"' in html and html.count('class="fs-bar') == 7  # 6 tasks + 1 retry
    assert 'stroke-dasharray="2 1"' in html  # the retried attempt
    assert "hostile.py" in html and "HostileFlow" in html and "--alpha" not in html
    assert 'name="csrf"' in html and "keeper" in html
    assert_escaped(html)


def test_live_json_and_a_lost_run(client: Any, tmp_path: Any) -> None:
    data = client.get("/ui/-/api/run/HostileFlow/1").json()
    assert data["status"] == "succeeded" and data["finished"] is True and "<svg" in data["graph"]
    from flowscope.config import Settings
    from flowscope.metastore.new_records import NewRun
    from flowscope.stores import open_stores
    from flowscope.ui import create_app

    from .conftest import Http

    fresh = open_stores(str(tmp_path), None, settings=Settings.from_env(), create=True)
    run = fresh.provider.create_run(NewRun(flow_name="LostFlow", user="tester"))
    fresh.provider.lost_after = 0.0  # type: ignore[attr-defined]  # no heartbeat since: lost
    page = Http(create_app(fresh)).get(f"/ui/LostFlow/{run.run_id}")
    assert 'id="lost-note"' in page.text and "fs-status-lost" in page.text
    fresh.close()


def test_step_and_task_pages_with_attempts_logs_and_artifacts(client: Any) -> None:
    step = client.get("/ui/HostileFlow/1/body")
    assert step.status_code == 200 and step.text.count("/ui/HostileFlow/1/body/") == 3
    body = re.findall(r"/ui/HostileFlow/1/body/(\d+)\"", step.text)
    retried = [t for t in body if "?attempt=1" in client.get(f"/ui/HostileFlow/1/body/{t}").text]
    assert len(retried) == 1
    first = client.get(f"/ui/HostileFlow/1/body/{retried[0]}", params={"attempt": 0}).text
    assert "RuntimeError" in first and "fs-status-failed" in first
    assert_escaped(first)
    start = client.get(f"/ui/HostileFlow/1/start/{tid(client, 'start')}").text
    assert "needle in the output" in start and "&lt;script&gt;" in start
    for name in ("text", "mapping", "frame", "array", "png"):
        assert f">{name}</td>" in start
    assert_escaped(start)
    searched = client.get(
        f"/ui/HostileFlow/1/start/{tid(client, 'start')}", params={"q": "needle"}
    ).text
    assert "needle in the output" in searched and "(1 matching lines)" in searched


def test_previews_are_bounded_and_escaped(client: Any, monkeypatch: Any) -> None:
    task = tid(client, "start")
    base = f"/ui/-/preview/HostileFlow/1/start/{task}"
    frame = client.get(f"{base}/frame", params={"fragment": "1"}).text
    assert 'data-kind="table"' in frame and "3 rows × 2 columns" in frame
    array = client.get(f"{base}/array", params={"fragment": "1"}).text
    assert "shape (3, 4), dtype float64" in array and "mean 5.5" in array
    image = client.get(f"{base}/png", params={"fragment": "1"}).text
    assert '<img src="data:image/png;base64,' in image
    for name in ("text", "mapping", "frame"):
        assert_escaped(client.get(f"{base}/{name}").text)
    import flowscope.ui.preview as preview

    monkeypatch.setattr(preview, "PREVIEW_LIMIT", 10)
    big = client.get(f"{base}/text", params={"fragment": "1"}).text
    assert "too large to preview" in big
    assert client.get(f"{base}/nothing").status_code == 404


def test_log_json_tail(client: Any) -> None:
    task = tid(client, "start")
    whole = client.get(
        f"/ui/-/api/log/HostileFlow/1/start/{task}", params={"stream": "stdout"}
    ).json()
    assert HOSTILE[0] in whole["lines"] and whole["finished"] is True
    rest = client.get(
        f"/ui/-/api/log/HostileFlow/1/start/{task}", params={"stream": "stdout", "after": "2"}
    ).json()
    assert rest["lines"] == whole["lines"][2:] and rest["next"] == whole["next"]


def test_compare_differences_only_and_charts(client: Any) -> None:
    page = client.get("/ui/compare", params={"runs": "HostileFlow/1,HostileFlow/2"}).text
    assert "params.alpha" in page and "data.accuracy" in page and 'class="fs-chart"' in page
    assert "<th>flow</th>" not in page  # the same in both: hidden with differences only
    diff = page.split("<h2>Run diff</h2>", 1)[1]  # the client's Run.diff, escaped by it
    assert "alpha" in diff and "total" in diff
    assert (
        "<th>flow</th>"
        in client.get(
            "/ui/compare", params={"runs": "HostileFlow/1,HostileFlow/2", "all": "1"}
        ).text
    )
    assert_escaped(page)
    by_tag = client.get("/ui/compare", params={"flow": "HostileFlow"}).text
    assert "Compare 2 runs" in by_tag
    assert client.get("/ui/compare", params={"runs": "nope"}).status_code == 400


def test_tag_edits_need_the_csrf_token_and_the_origin(client: Any) -> None:
    page = client.get("/ui/HostileFlow/2").text
    token = re.findall(r'name="csrf" value="([0-9a-f]+)"', page)[0]
    url = "/ui/-/tags/HostileFlow/2"
    same = {"origin": "http://127.0.0.1:8765"}
    assert client.post(url, data={"csrf": "0" * 64, "add": "x"}, headers=same).status_code == 403
    assert client.post(url, data={"csrf": token, "add": "x"}).status_code == 403  # no Origin
    evil = {"origin": "http://evil.example"}
    assert client.post(url, data={"csrf": token, "add": "x"}, headers=evil).status_code == 403
    done = client.post(url, data={"csrf": token, "add": "fresh-tag"}, headers=same)
    assert done.status_code == 303
    assert "fresh-tag" in client.get("/ui/HostileFlow/2").text
    removed = client.post(
        url,
        data={"csrf": token, "remove": "fresh-tag"},
        headers={**same, "x-requested-with": "fetch"},
    )
    assert removed.status_code == 200 and "fresh-tag" not in removed.json()["user_tags"]
    spaced = client.post(url, data={"csrf": token, "add": " two words "}, headers=same)
    assert spaced.status_code == 303 and "two words" in client.get("/ui/HostileFlow/2").text
    client.post(url, data={"csrf": token, "remove": "two words"}, headers=same)
    system = client.post(url, data={"csrf": token, "remove": "user:tester"}, headers=same)
    assert system.status_code == 400 and "System tags" in system.text


def test_foreign_host_and_origin_are_refused(client: Any) -> None:
    assert client.get("/ui/", headers={"host": "evil.example:8765"}).status_code == 403
    assert client.get("/ui/", headers={"origin": "http://evil.example"}).status_code == 403
    assert client.get("/ui/", headers={"host": "localhost:9000"}).status_code == 200


def test_bad_addresses_are_one_line_errors(client: Any) -> None:
    assert client.get("/ui/NoSuchFlow").status_code == 404
    assert client.get("/ui/HostileFlow/999").status_code == 404
    assert client.get("/ui/HostileFlow/abc").status_code == 400
    assert client.get("/ui/HostileFlow/1/nostep").status_code == 404
    assert client.get("/ui/HostileFlow/1/start/99999").status_code == 404
    assert client.get("/ui/HostileFlow/1/start/1", params={"attempt": "x"}).status_code == 400


def test_parameters_are_not_repeated_as_results(client: Any) -> None:
    page = client.get("/ui/HostileFlow").text
    assert ">data.total" in page and ">data.alpha" not in page and ">data.note" not in page
