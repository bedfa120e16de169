"""The S3 data tool (datatools/s3.py) against a real radosgw (tests/s3.py), as the family's
`metaflow.S3` is used: put and get, many at once, listings, info, missing objects, and the
root a run gets. A flow using it end to end: test_a_step_roots_s3_at_its_run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flowscope import S3
from flowscope.errors import S3Error, S3InvalidObject, S3NotFound, S3URLError

pytestmark = pytest.mark.s3


def test_put_get_and_the_temporary_copies(s3_url: str, tmp_path: Path) -> None:
    with S3(s3root=s3_url, tmproot=str(tmp_path)) as s3:
        url = s3.put("a/b.txt", "hello", content_type="text/plain", metadata={"who": "me"})
        assert url == f"{s3_url}/a/b.txt"
        s3.put("a/c.bin", b"\x00\x01")
        got = s3.get("a/b.txt")
        assert got.text == "hello" and got.size == 5 and got.key == "a/b.txt"
        assert got.content_type == "text/plain" and got.metadata == {"who": "me"}
        assert got.url == url and got.prefix == s3_url
        path = Path(got.path or "")
        assert path.is_file() and str(tmp_path) in str(path)
        assert s3.get(url.replace(s3_url + "/", "")).blob == b"hello"
    assert not path.exists()  # the downloads go with the block


def test_many_at_once_in_order_and_listings(s3_url: str, tmp_path: Path) -> None:
    with S3(s3root=s3_url, tmproot=str(tmp_path)) as s3:
        pairs = [(f"d/{i:02d}", f"v{i}") for i in range(20)] + [("d/sub/x", "deep")]
        urls = s3.put_many(pairs)
        assert [k for k, _ in urls] == [k for k, _ in pairs]
        got = s3.get_many([k for k, _ in pairs])
        assert [o.text for o in got] == [v for _, v in pairs]
        top = s3.list_paths(["d"])
        assert {o.key for o in top if o.is_prefix} == {"d/sub/"}
        assert len([o for o in top if not o.is_prefix]) == 20
        assert len(s3.list_recursive(["d"])) == 21
        assert {o.text for o in s3.get_recursive(["d/sub"])} == {"deep"}
        assert len(s3.get_all()) == 21
        info = s3.info("d/05")
        assert info.size == 2 and not info.downloaded
        assert len(list(tmp_path.iterdir())) == 1  # the threads share one download directory
    assert list(tmp_path.iterdir()) == []


def test_put_files_and_not_overwriting(s3_url: str, tmp_path: Path) -> None:
    local = tmp_path / "f.txt"
    local.write_text("from a file")
    with S3(s3root=s3_url) as s3:
        [(key, url)] = s3.put_files([("f", str(local))])
        assert key == "f" and s3.get("f").text == "from a file"
        s3.put("f", "other", overwrite=False)
        assert s3.get("f").text == "from a file"
        with pytest.raises(S3Error, match="is not a file"):
            s3.put_files([("g", str(tmp_path / "nope"))])


def test_missing_objects_raise_or_come_back_marked(s3_url: str) -> None:
    with S3(s3root=s3_url) as s3:
        with pytest.raises(S3NotFound, match="There is no S3 object"):
            s3.get("not/there")
        missing = s3.get("not/there", return_missing=True)
        assert not missing.exists and not missing.downloaded
        assert [o.exists for o in s3.info_many(["not/there"], return_missing=True)] == [False]


def test_bad_values_keys_and_options_are_named(s3_url: str) -> None:
    with S3(s3root=s3_url) as s3:
        with pytest.raises(S3InvalidObject, match="is bytes or str, not dict"):
            s3.put("x", {"a": 1})
        with pytest.raises(S3URLError, match="climbs out of the root"):
            s3.get("../x")
        with pytest.raises(S3Error, match="names a prefix"):
            s3.put("dir/", "x")
    with pytest.raises(S3Error, match="role=...\\) is not supported"):
        S3(s3root=s3_url, role="arn:aws:iam::1:role/x")
    with pytest.raises(S3Error, match="one of bucket=, run= and s3root="):
        S3(s3root=s3_url, bucket="b")
    with S3() as bare:
        with pytest.raises(S3URLError, match="is not an S3 URL"):
            bare.get("relative")
        bare.put(f"{s3_url}/full", "by url")
        assert bare.get(f"{s3_url}/full").text == "by url"


FLOW = """
from flowscope import FlowSpec, S3, step

class S3ToolFlow(FlowSpec):
    @step
    def start(self):
        with S3(run=self) as s3:
            self.url = s3.put("notes.txt", "written in start")
        self.next(self.end)

    @step
    def end(self):
        with S3(run=self) as s3:
            self.read_back = s3.get("notes.txt").text
            self.listed = [o.key for o in s3.list_paths()]

if __name__ == "__main__":
    S3ToolFlow()
"""


def test_a_step_roots_s3_at_its_run(s3_url: str, s3_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(FLOW)
    done = subprocess.run(
        [sys.executable, "flow.py", "--datastore", s3_url, "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    import flowscope
    from flowscope.client.context import CONTEXT

    CONTEXT.set_stores(str(tmp_path), s3_url)
    flowscope.namespace(None)
    run = flowscope.Flow("S3ToolFlow").latest_run
    assert run.data.read_back == "written in start"
    assert run.data.listed == ["notes.txt"]
    assert run["start"].task.data.url == f"{s3_url}/data/S3ToolFlow/{run.id}/notes.txt"
    with S3(run=run) as s3:  # a notebook reads what the run wrote, by its run
        assert s3.get("notes.txt").text == "written in start"


def test_a_run_whose_datastore_is_not_s3_is_refused(tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(FLOW)
    done = subprocess.run(
        [sys.executable, "flow.py", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "is not on S3" in done.stdout + done.stderr
