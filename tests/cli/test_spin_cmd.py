"""`spin`'s artifacts module and the parser (cli/spin_cmd.py). Spinning end to end, with every
error a user can make: tests/e2e/test_spin.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope import FlowSpec, step
from flowscope.cli import flow_main
from flowscope.cli.spin_cmd import artifact_overrides
from flowscope.errors import ParameterError


class TinyFlow(FlowSpec):
    @step
    def start(self) -> None:
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


def test_no_module_overrides_nothing() -> None:
    assert artifact_overrides(None) == {}


def test_a_module_gives_its_artifacts_dict(tmp_path: Path) -> None:
    module = tmp_path / "over.py"
    module.write_text("import math\nARTIFACTS = {'k': 15, 'pi': math.pi, 'rows': [1, 2]}\n")
    assert artifact_overrides(str(module)) == {"k": 15, "pi": 3.141592653589793, "rows": [1, 2]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("X = 1\n", "it defines NoneType"),
        ("ARTIFACTS = {1: 2}\n", "must define ARTIFACTS as a dict"),
        ("ARTIFACTS = {'not a name': 2}\n", "'not a name' is not an artifact name"),
        ("raise KeyError('inside')\n", "raised KeyError: 'inside'"),
        ("def (:\n", "raised SyntaxError"),
    ],
)
def test_a_bad_module_is_named_with_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    module = tmp_path / "over.py"
    module.write_text(text)
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        artifact_overrides(str(module))


def test_spin_is_a_command_of_every_flow() -> None:
    parser = flow_main.build_parser(TinyFlow)
    args = parser.parse_args(["spin", "3/start/2", "--persist", "--artifacts-module", "m.py"])
    assert (args.command, args.target, args.persist, args.artifacts_module) == (
        "spin",
        "3/start/2",
        True,
        "m.py",
    )
