"""`flowscope ui` (cli/ui_cmd.py): options, the hosts it answers to, and one-line errors."""

from __future__ import annotations

from typing import Any

from flowscope.cli.main import main
from flowscope.cli.ui_cmd import allowed_hosts, build_parser


def test_defaults_are_loopback_and_port_8765() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 8765, False)


def test_allowed_hosts() -> None:
    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "::1"]
    assert "ui.internal" in allowed_hosts("ui.internal")
    import socket

    assert socket.gethostname() in allowed_hosts("0.0.0.0")


def test_bad_port_and_missing_store_are_one_line_errors(capsys: Any, tmp_path: Any) -> None:
    assert main(["ui", "--port", "70000", "--no-browser"]) != 0
    assert "--port must be from 1 to 65535" in capsys.readouterr().err
    code = main(["ui", "--metadata", str(tmp_path / "nowhere"), "--no-browser"])
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("flowscope ui: error:") and "Traceback" not in err


def test_help_lists_ui(capsys: Any) -> None:
    try:
        main(["--help"])
    except SystemExit:
        pass
    assert "ui" in capsys.readouterr().out
