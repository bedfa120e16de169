"""Which flow a file defines (runner_api/flowfile.py)."""

from __future__ import annotations

import pytest

from flowscope.errors import RunnerError
from flowscope.runner_api.flowfile import flow_name_of, separators_of


def test_the_main_block_names_the_flow(tmp_path):
    path = tmp_path / "f.py"
    path.write_text(
        "from flowscope import FlowSpec\nclass A(FlowSpec): pass\nclass B(A): pass\n"
        "if __name__ == '__main__':\n    B()\n"
    )
    assert flow_name_of(path) == "B"


def test_a_single_flow_class_without_a_main_block(tmp_path):
    path = tmp_path / "f.py"
    path.write_text("import flowscope\nclass Base(flowscope.FlowSpec): pass\nclass X: pass\n")
    assert flow_name_of(path) == "Base"


def test_ambiguous_broken_or_unreadable_files_are_clear_errors(tmp_path):
    path = tmp_path / "f.py"
    path.write_text(
        "from flowscope import FlowSpec\nclass A(FlowSpec): pass\nclass B(FlowSpec): pass\n"
    )
    with pytest.raises(RunnerError, match="defines A, B"):
        flow_name_of(path)
    path.write_text("class (:\n")
    with pytest.raises(RunnerError, match="does not parse"):
        flow_name_of(path)
    with pytest.raises(RunnerError, match="Cannot read"):
        flow_name_of(tmp_path / "missing.py")


def test_separators_are_read_from_literal_parameter_declarations(tmp_path):
    path = tmp_path / "f.py"
    path.write_text(
        "from flowscope import FlowSpec, Parameter\nimport flowscope\n"
        "SEP = ';'\n"
        "class A(FlowSpec):\n"
        "    a = Parameter('letters', separator=',')\n"
        "    b = flowscope.Parameter(name='nums', type=int, separator=' ')\n"
        "    c = Parameter('plain', default=1)\n"
        "    d = Parameter('computed', separator=SEP)\n"
    )
    assert separators_of(path) == {"letters": ",", "nums": " "}
