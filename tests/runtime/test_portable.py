"""PortableWork: a run's work rebuilt from its code package and datastore address alone."""

from __future__ import annotations

import io
import sys
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from flowscope.datastore import ContentStore, open_storage
from flowscope.runtime.card_policy import CardPolicy
from flowscope.runtime.portable import FlowSource, PortableWork, WorkCache, unpack_code
from flowscope.runtime.recording import code_package
from flowscope.runtime.task import RunWork

FLOW = """
from flowscope import FlowSpec, step
from helper import GREETING

class PackedFlow(FlowSpec):
    @step
    def start(self):
        self.greeting = GREETING
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    raise SystemExit("a worker must not run the flow file as a script")
"""


def _work(tmp_path: Path) -> tuple[PortableWork, str]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "flow.py").write_text(FLOW)
    (project / "helper.py").write_text("GREETING = 'hello from the package'\n")
    blobs = str(tmp_path / "blobs")
    store = ContentStore(open_storage(blobs))
    code_key = store.put(code_package(project / "flow.py", "PackedFlow"))
    cards = CardPolicy(live_dir=str(tmp_path / "live"))
    work = RunWork(
        object, store, "PackedFlow", 1, "u", (), None, {}, {}, None, cards, code_key=code_key
    )
    source = FlowSource(blobs, "PackedFlow", "__main__")
    return PortableWork.of(work, source), code_key


def test_the_flow_class_is_rebuilt_from_the_code_package(tmp_path: Path) -> None:
    portable, code_key = _work(tmp_path)
    assert "flow_cls" not in portable.values and "store" not in portable.values
    assert portable.values["cards"].live_dir is None  # the runner's directory stays there
    work = portable.rebuild(tmp_path / "cache")
    assert work.flow_cls.__name__ == "PackedFlow"
    assert work.flow_cls.__module__.startswith("_fs_flow_")
    module_file = sys.modules[work.flow_cls.__module__].__file__
    assert module_file is not None and Path(module_file).parent == tmp_path / "cache" / code_key
    assert work.run_id == 1 and work.code_key == code_key
    assert sys.modules["helper"].GREETING == "hello from the package"


def test_tasks_on_a_worker_keep_inline_copies_within_the_runs_bound(tmp_path: Path) -> None:
    portable, _ = _work(tmp_path)
    assert portable.rebuild(tmp_path / "cache").store.inline_max == 0  # none asked for
    bounded = PortableWork(replace(portable.source, inline_max=4096), portable.values)
    store = bounded.rebuild(tmp_path / "cache").store
    assert store.inline_max == 4096
    assert store.put_info([b"small"]).inline is not None  # what the run records beside it


def test_a_worker_rebuilds_a_run_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSCOPE_CODE_CACHE", str(tmp_path / "cache"))
    portable, _ = _work(tmp_path)
    cache = WorkCache()
    assert cache.get(portable) is cache.get(portable)


def test_a_hostile_code_package_cannot_write_outside_the_cache(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        member = tarfile.TarInfo("../../escaped.py")
        member.size = 2
        tar.addfile(member, io.BytesIO(b"x\n"))
    store = ContentStore(open_storage(str(tmp_path / "blobs")))
    key = store.put(buffer.getvalue())
    with pytest.raises(tarfile.TarError):
        unpack_code(store, key, tmp_path / "deep" / "cache")
    assert not (tmp_path / "escaped.py").exists()
    assert not (tmp_path / "deep" / "cache" / key).exists()


def test_the_policy_settings_and_the_named_variables_travel_and_nothing_else():
    from flowscope.runtime.portable import travelling

    runner_env = {
        "FLOWSCOPE_SERVICE_TIMEOUT": "9",
        "FLOWSCOPE_CARD_TIMEOUT": "3",
        "FLOWSCOPE_ROOT": "/home/me/.flowscope",  # a place on the runner's machine
        "FLOWSCOPE_SERVICE_TOKEN": "s3cr3t",
        "AWS_SECRET_ACCESS_KEY": "k",
        "MODE": "fast",
        "HOME": "/home/me",
    }
    assert travelling(runner_env) == {
        "FLOWSCOPE_SERVICE_TIMEOUT": "9",
        "FLOWSCOPE_CARD_TIMEOUT": "3",
    }
    sent = travelling(runner_env, ("MODE", "UNSET_HERE"))
    assert sent["MODE"] == "fast" and "UNSET_HERE" not in sent and "HOME" not in sent
    assert "s3cr3t" not in repr(sent) and "k" not in sent.values()


@pytest.mark.parametrize("name", ["FLOWSCOPE_SERVICE_TOKEN", "FLOWSCOPE_SERVICE_TOKEN_FILE"])
def test_the_service_token_is_refused_even_when_named(name: str):
    from flowscope.errors import ConfigError
    from flowscope.runtime.portable import travelling

    with pytest.raises(ConfigError, match=f"names {name}, which is never sent"):
        travelling({name: "x"}, (name,))


def test_each_attempt_runs_as_the_runs_user_with_what_travelled():
    source = FlowSource("/d", "F", "m", environment={"MODE": "fast", "FLOWSCOPE_USER": "spoof"})
    work = PortableWork(source, {"user": "alice", "code_key": None})
    assert work.task_environment() == {"MODE": "fast", "FLOWSCOPE_USER": "alice"}
    assert PortableWork(FlowSource("/d", "F", "m"), {"user": None}).task_environment() == {}
