"""The parser a flow class gets (cli/flow_parser.py): each parameter an option with its help,
top-level options, and parsing alike when only the named commands are declared."""

from __future__ import annotations

import argparse

import pytest

from flowscope import Parameter
from flowscope.cli import flow_parser

from .test_flow_main import HelloFlow


def test_the_parser_offers_each_parameter_as_an_option() -> None:
    parser = flow_parser.build_parser(HelloFlow)
    assert parser.description == "Says hello."
    run = next(a for a in parser._actions if a.dest == "command").choices["run"]  # type: ignore[index]
    options = {a.option_strings[0]: a for a in run._actions if a.option_strings}
    assert {"--alpha", "--who", "--notes", "--tag", "--max-workers"} <= set(options)
    assert options["--alpha"].help == "how many (default: 1; or set FLOWSCOPE_RUN_ALPHA)"
    assert options["--who"].help == "(required; or set FLOWSCOPE_RUN_WHO)"
    assert options["--alpha"].metavar == "INT"


def test_parameters_are_inherited_once() -> None:
    class Child(HelloFlow):
        beta = Parameter("beta", default="b")

    assert [p.name for p in flow_parser._parameters(Child)] == ["alpha", "who", "notes", "beta"]


def test_top_level_options_for_configs_and_projects() -> None:
    parser = flow_parser.build_parser(HelloFlow)
    args = parser.parse_args(
        ["--config", "cfg", "a.json", "--config-value", "other", "{}", "--branch", "b", "run"]
    )
    assert args.config == [["cfg", "a.json"]] and args.config_value == [["other", "{}"]]
    assert args.branch == "b" and args.production is False


def test_help_hides_a_default_when_asked() -> None:
    class Quiet(HelloFlow):
        token = Parameter("token", default="abc", show_default=False)

    parser = flow_parser.build_parser(Quiet)
    run = next(a for a in parser._actions if a.dest == "command").choices["run"]  # type: ignore[index]
    (option,) = [a for a in run._actions if a.option_strings == ["--token"]]
    assert option.help == "(optional; or set FLOWSCOPE_RUN_TOKEN)" and "abc" not in option.help


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    action = next(a for a in parser._actions if a.dest == "command")
    return list(action.choices)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "argv",
    [
        ["--quiet", "run", "--who", "me", "--alpha", "3"],
        ["--branch", "show", "run", "--who", "x"],  # a value that is a command's name
        ["resume", "3", "--tag", "t"],
        ["--metadata", "d", "logs", "--stderr", "1/start"],
        ["dump", "1/start", "--include", "a,b"],
        ["card", "list", "1", "--as-json"],
        ["tag", "add", "1", "run"],
    ],
)
def test_a_command_line_parses_alike_with_only_the_commands_it_names(argv: list[str]) -> None:
    """Only the commands named on the line are declared; what the line means is unchanged."""
    lean = flow_parser.build_parser(HelloFlow, argv)
    assert set(_commands(lean)) == {c for c in flow_parser._COMMANDS if c in argv}
    assert len(_commands(lean)) < len(flow_parser._COMMANDS)
    assert lean.parse_args(argv) == flow_parser.build_parser(HelloFlow).parse_args(argv)


@pytest.mark.parametrize("argv", [[], ["--help"], ["run", "-h"], ["--quiet", "rnu"]])
def test_help_and_unknown_commands_see_every_command(argv: list[str]) -> None:
    parser = flow_parser.build_parser(HelloFlow, argv)
    assert _commands(parser) == list(flow_parser._COMMANDS)
    assert parser.format_help() == flow_parser.build_parser(HelloFlow).format_help()
