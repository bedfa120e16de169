"""profile (profiling.py): printed, or added up in a dict."""

from __future__ import annotations

import re
import time

import pytest

from flowscope import profile


def test_a_block_is_timed_and_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with profile("load"):
        time.sleep(0.02)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "PROFILE: load starting"
    match = re.fullmatch(r"PROFILE: load completed in (\d+)ms", out[1])
    assert match and int(match.group(1)) >= 20


def test_stats_add_up_and_nothing_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    stats: dict[str, int] = {"fit": 5}
    for _ in range(2):
        with profile("fit", stats_dict=stats):
            time.sleep(0.01)
    assert stats["fit"] >= 25 and capsys.readouterr().out == ""


def test_a_block_that_raises_is_still_timed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(KeyError), profile("oops"):
        raise KeyError("x")
    assert "PROFILE: oops completed in" in capsys.readouterr().out
