"""@secrets: sources, their errors (which never show a value), and redacted display."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError, RunError
from flowscope.flow import secrets, step
from flowscope.flow.decorators import step_decorators
from flowscope.flow.secrets import EnvSource, SecretsDecorator, make_source


def _decorated(*sources: object) -> SecretsDecorator:
    def start(self: Any) -> None:
        pass

    func = secrets(sources=list(sources))(step(start))
    (deco,) = step_decorators(func)
    assert isinstance(deco, SecretsDecorator)
    return deco


class Vault:
    def fetch(self) -> Mapping[str, str]:
        return {"VAULT_TOKEN": "v"}


def test_env_inline_and_custom_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRETS", '{"API_TOKEN": "s3cr3t"}')
    deco = _decorated("env.MY_SECRETS", {"type": "inline", "values": {"K": 1}}, Vault())
    assert deco.fetch() == {"API_TOKEN": "s3cr3t", "K": "1", "VAULT_TOKEN": "v"}
    shown = repr(deco)
    assert "s3cr3t" not in shown and "env.MY_SECRETS" in shown and "inline(1 values)" in shown


def test_source_errors_never_show_the_value() -> None:
    with pytest.raises(RunError, match="NOPE is not set"):
        EnvSource("NOPE", environ={}).fetch()
    with pytest.raises(RunError, match="does not hold a JSON object") as info:
        EnvSource("S", environ={"S": "plain-secret"}).fetch()
    assert "plain-secret" not in str(info.value)
    with pytest.raises(FlowDefinitionError, match="is not understood"):
        make_source({"type": "vault", "password": "hunter2"})
    try:
        make_source({"type": "vault", "password": "hunter2"})
    except FlowDefinitionError as exc:
        assert "hunter2" not in str(exc)


def test_clashing_or_bad_names_are_refused() -> None:
    one = {"type": "inline", "values": {"K": "a"}}
    with pytest.raises(RunError, match="K is given by two sources"):
        _decorated(one, one).fetch()
    with pytest.raises(RunError, match="cannot be an environment variable"):
        _decorated({"type": "inline", "values": {"BAD NAME": "x"}}).fetch()
    with pytest.raises(FlowDefinitionError, match="expected a list of sources"):
        secrets(sources="env.X")(step(lambda self: None))  # type: ignore[arg-type]


class Leaky:
    def fetch(self) -> Mapping[str, str]:
        raise ValueError("could not parse 'hunter2'")


def test_a_failing_source_is_named_but_its_message_is_not_repeated() -> None:
    with pytest.raises(RunError, match="failed \\(ValueError\\)") as info:
        _decorated(Leaky()).fetch()
    assert "hunter2" not in str(info.value)
