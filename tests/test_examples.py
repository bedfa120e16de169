"""The examples and the README's flow run as documented, as a new user would run them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FLOWSCOPE_USER="tester")
    env.pop("FLOWSCOPE_SERVICE_URL", None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.mark.parametrize(
    "name, args",
    [
        ("hello.py", []),
        ("branch.py", []),
        ("foreach.py", ["--count", "12"]),
        ("datasci.py", ["--rows", "5000"]),
    ],
)
def test_example_runs(tmp_path, name, args):
    shutil.copy(ROOT / "examples" / name, tmp_path / name)
    result = _run([name, "run", *args], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "succeeded" in result.stdout


def test_inspect_example_prints_the_run(tmp_path):
    shutil.copy(ROOT / "examples" / "hello.py", tmp_path / "hello.py")
    assert _run(["hello.py", "run"], tmp_path).returncode == 0
    result = _run([str(ROOT / "examples" / "inspect_hello.py")], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "run.data.x: 42" in result.stdout
    assert "Run('HelloFlow/1')" in result.stdout
    assert "hello.py run" in result.stdout  # the recorded command line


def test_readme_flow_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    code = next(
        b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "class TrainFlow" in b
    )
    (tmp_path / "train.py").write_text(code)
    result = _run(["train.py", "run", "--alpha", "0.1", "--tag", "experiment-3"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "best rate 0.1" in result.stdout


def test_readme_query_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    flow = next(b for b in blocks if "class TrainFlow" in b)
    query = next(b for b in blocks if "where=" in b)
    (tmp_path / "train.py").write_text(flow)
    for alpha in ("0.1", "0.9"):
        result = _run(["train.py", "run", "--alpha", alpha, "--tag", "experiment-3"], tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
    checks = (
        "\nassert [r.id for r in good] == ['1'], list(good)"
        "\nassert list(table['params.alpha']) == [0.9, 0.1]"
        "\nassert [t.index for t in run['train'].tasks(where='input = 0.1')] == [1]"
        "\nprint('query ok')\n"
    )
    (tmp_path / "query.py").write_text("from flowscope import namespace\n" + query + checks)
    result = _run(["query.py"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "query ok" in result.stdout


def test_readme_gang_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    code = next(
        b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "class GangFlow" in b
    )
    (tmp_path / "gang.py").write_text(code)
    result = _run(["gang.py", "run"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ranks [0, 1, 2] run GangFlow/1" in result.stdout
    for i in range(3):
        assert f"node {i} of 3 in GangFlow/1/train/" in result.stdout


def test_readme_switch_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    code = next(
        b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "class ReviewFlow" in b
    )
    (tmp_path / "review.py").write_text(code)
    result = _run(["review.py", "run"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "published after 3 drafts" in result.stdout
    assert result.stdout.count("/draft/") >= 3  # one task per pass


def test_readme_config_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    code = next(
        b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "class ScoreFlow" in b
    )
    config = next(b for b in re.findall(r"```json\n(.*?)```", readme, re.S) if "limits" in b)
    (tmp_path / "score.py").write_text(code)
    (tmp_path / "score.json").write_text(config)
    result = _run(["score.py", "--branch", "try_it", "run"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test.try_it batch 0.3 ['eu', 'us']" in result.stdout


def test_readme_runner_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    flow = next(b for b in blocks if "class ScoreFlow" in b)
    example = next(b for b in blocks if "Runner(" in b and ".spin(" not in b)
    config = next(b for b in re.findall(r"```json\n(.*?)```", readme, re.S) if "limits" in b)
    (tmp_path / "score.py").write_text(flow)
    (tmp_path / "score.json").write_text(config)
    (tmp_path / "example.py").write_text(example)
    result = _run(["example.py"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "user.tester batch 0.3 ['eu', 'us']" in result.stdout  # the list, joined and split
    assert result.stdout.rstrip().endswith("successful 4")


def test_readme_spin_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    flow = next(b for b in blocks if "class TrainFlow" in b)
    example = next(b for b in blocks if ".spin(" in b)
    (tmp_path / "train.py").write_text(flow)
    assert _run(["train.py", "run"], tmp_path).returncode == 0
    (tmp_path / "overrides.py").write_text('ARTIFACTS = {"rate": 0.5}\n')
    spun = _run(["train.py", "spin", "train", "--artifacts-module", "overrides.py"], tmp_path)
    assert spun.returncode == 0, spun.stdout + spun.stderr
    kept = _run(["train.py", "spin", "1/train/4", "--persist"], tmp_path)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    (tmp_path / "example.py").write_text(example + "\nprint('done', spun.task.data.rate)\n")
    result = _run(["example.py"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("done 0.01")


def test_readme_compare_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    flow = next(b for b in blocks if "class TrainFlow" in b)
    example = next(b for b in blocks if ".diff(" in b)
    (tmp_path / "train.py").write_text(flow)
    for alpha in ("0.1", "0.2"):
        assert _run(["train.py", "run", "--alpha", alpha], tmp_path).returncode == 0
    script = example.replace("TrainFlow/41", "TrainFlow/1").replace("TrainFlow/42", "TrainFlow/2")
    script += "\nassert 'alpha' in str(diff) and compare([Run('TrainFlow/1')]).shape[1] == 1\n"
    (tmp_path / "example.py").write_text(script)
    result = _run(["example.py"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "~ alpha: 0.1 -> 0.2" in result.stdout


def test_readme_cards_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    (tmp_path / "report.py").write_text(next(b for b in blocks if "class ReportFlow" in b))
    result = _run(["report.py", "run"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mean score 0.81" in result.stdout
    example = next(b for b in blocks if "get_cards(task)" in b)
    script = example.replace("cards[0].view()", "cards[0].view(open_browser=False)")
    script += (
        "\nassert [(c.type, c.id) for c in cards] == [('default', None), ('blank', 'scores')]"
        "\nassert 'Cross-validation' in cards[0].html and 'fold' in cards[1].html"
        "\nassert len(get_cards(task.pathspec, id='scores')) == 1"
        "\nprint('cards ok')\n"
    )
    (tmp_path / "example.py").write_text(script)
    read = _run(["example.py"], tmp_path)
    assert read.returncode == 0 and "cards ok" in read.stdout, read.stdout + read.stderr
    listed = _run(["report.py", "card", "list", "1/start"], tmp_path)
    assert listed.returncode == 0 and "blank id=scores" in listed.stdout, listed.stderr
    saved = _run(
        ["report.py", "card", "get", "1/start", "scores.html", "--type", "blank"], tmp_path
    )
    assert saved.returncode == 0 and "Scores" in (tmp_path / "scores.html").read_text()
