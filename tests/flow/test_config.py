"""Config: where a config's value comes from, its parser, its errors, ConfigValue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow import Config, ConfigValue, FlowSpec, ParameterContext, step
from flowscope.flow.config import flow_configs, load_configs
from flowscope.flow.deferred import ConfigExpr

CONTEXT = ParameterContext("F", "alice", "", print, "local", None)


def _flow(**attrs: Any) -> type:
    def start(self: Any) -> None:
        self.next(self.end)

    def end(self: Any) -> None:
        pass

    return type("F", (FlowSpec,), {**attrs, "start": step(start), "end": step(end)})


def _value(config: Config, **kwargs: Any) -> Any:
    kwargs.setdefault("path", None)
    kwargs.setdefault("text", None)
    return config.resolve_value(context=CONTEXT, **kwargs)


def test_file_then_text_then_default_file_then_default_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "given.json").write_text('{"from": "given"}')
    config = Config("cfg", default="default.json", default_value={"from": "value"})
    assert _value(config) == {"from": "value"}  # the default file does not exist
    (tmp_path / "default.json").write_text('{"from": "default file"}')
    assert _value(config) == {"from": "default file"}
    assert _value(config, text='{"from": "text"}') == {"from": "text"}
    assert _value(config, path="given.json") == {"from": "given"}
    assert _value(Config("none")) is None


def test_the_default_file_is_also_found_beside_the_flow(tmp_path: Path) -> None:
    (tmp_path / "beside.json").write_text('{"x": 1}')
    config = Config("cfg", default="beside.json")
    assert config.resolve_value(path=None, text=None, context=CONTEXT, base_dirs=(tmp_path,)) == {
        "x": 1
    }


def test_required_configs_and_unreadable_or_bad_text() -> None:
    with pytest.raises(ParameterError, match="'cfg' is required.*--config cfg FILE"):
        _value(Config("cfg", required=True, default="missing.json"))
    with pytest.raises(ParameterError, match="cannot read the file 'nope.json'"):
        _value(Config("cfg"), path="nope.json")
    with pytest.raises(ParameterError, match="cannot be parsed \\(JSONDecodeError"):
        _value(Config("cfg"), text="{bad")
    with pytest.raises(ParameterError, match="gives a list, not a mapping"):
        _value(Config("cfg"), text="[1]")
    with pytest.raises(ParameterError, match="not JSON data"):
        _value(Config("cfg", default_value={"s": {1, 2}}))


def test_custom_parsers_by_function_or_dotted_name() -> None:
    def upper(text: str) -> dict[str, Any]:
        return {"text": text.upper()}

    assert _value(Config("cfg", parser=upper), text="hi") == {"text": "HI"}
    toml = Config("cfg", parser="tomllib.loads")
    assert _value(toml, text="[a]\nb = 2") == {"a": {"b": 2}}
    with pytest.raises(ParameterError, match="parser 'nomodule.loads' cannot be imported"):
        _value(Config("cfg", parser="nomodule.loads"), text="x")
    with pytest.raises(FlowDefinitionError, match="parser= takes a function"):
        Config("cfg", parser=3)  # type: ignore[arg-type]


def test_default_functions_get_the_context() -> None:
    config = Config("cfg", default_value=lambda ctx: {"user": ctx.user_name})
    assert _value(config) == {"user": "alice"}


def test_load_configs_refuses_unknown_names_and_both_forms() -> None:
    flow = _flow(cfg=Config("cfg", default_value="{}"), other=Config("other"))
    assert list(flow_configs(flow)) == ["cfg", "other"]
    assert load_configs(flow, {}, {"other": '{"a": 1}'}, CONTEXT) == {"cfg": {}, "other": {"a": 1}}
    with pytest.raises(ParameterError, match="no config 'cfx'.*Did you mean 'cfg'"):
        load_configs(flow, {"cfx": "a.json"}, {}, CONTEXT)
    with pytest.raises(ParameterError, match="both as a file .* and as a value"):
        load_configs(flow, {"cfg": "a.json"}, {"cfg": "{}"}, CONTEXT)


def test_class_level_access_is_deferred_and_instance_access_is_read_only() -> None:
    config = Config("cfg")
    assert isinstance(config.a, ConfigExpr) and repr(config.a["b"]) == "cfg.a['b']"
    value = ConfigValue({"a": {"b": [1, 2]}, "depth": 1})
    assert value.a.b == (1, 2) and value["depth"] == 1
    assert value == {"a": {"b": [1, 2]}, "depth": 1}
    with pytest.raises(FlowDefinitionError, match="read-only"):
        value.depth = 2
    with pytest.raises(AttributeError, match="no key 'dept'. Did you mean 'depth'"):
        value.dept  # noqa: B018
    copy = value.to_dict()
    copy["a"]["b"].append(3)
    assert value.a.b == (1, 2) and json.dumps(copy)


def test_a_running_flow_reads_the_config_as_a_config_value() -> None:
    flow_cls = _flow(cfg=Config("cfg"))
    flow = flow_cls(use_cli=False)
    flow._fs_bind("start", None, parameters={"cfg": {"k": {"x": 1}}})
    assert isinstance(flow.cfg, ConfigValue) and flow.cfg.k.x == 1
    with pytest.raises(FlowDefinitionError, match="read-only"):
        flow.cfg = {}


def test_oversized_configs_are_refused_before_parsing(tmp_path: Path) -> None:
    from flowscope.flow.config import MAX_CONFIG_BYTES

    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(ParameterError, match="larger than 4 MiB"):
        _value(Config("cfg"), path=str(big))
    with pytest.raises(ParameterError, match="larger than 4 MiB"):
        _value(Config("cfg"), text=" " * (MAX_CONFIG_BYTES + 1))
    (tmp_path / "latin.json").write_bytes(b'{"a": "\\xe9"}'.replace(b"\\xe9", b"\xe9"))
    with pytest.raises(ParameterError, match="cannot read the file"):
        _value(Config("cfg"), path=str(tmp_path / "latin.json"))
