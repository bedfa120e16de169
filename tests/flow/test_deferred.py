"""deferred: config values used before configs are loaded, resolved once they are."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow.deferred import ConfigExpr, config_expr, is_deferred, resolve

CONFIGS = {"cfg": {"a": {"b": [10, 20]}, "name": "x"}}


def test_attribute_and_item_paths_resolve_inside_containers() -> None:
    expr = ConfigExpr("cfg").a["b"]
    assert repr(expr) == "cfg.a['b']"
    value = {"k": [expr, 1], "t": (ConfigExpr("cfg").name,)}
    assert is_deferred(value) and not is_deferred({"k": [1]})
    assert resolve(value, CONFIGS) == {"k": [[10, 20], 1], "t": ("x",)}


def test_config_expr_parses_names_attributes_and_constant_subscripts() -> None:
    assert resolve(config_expr("cfg.a['b'][1]"), CONFIGS) == 20
    with pytest.raises(FlowDefinitionError, match="only a config name followed by"):
        config_expr("cfg.a + 1")
    with pytest.raises(FlowDefinitionError, match="is not valid"):
        config_expr("cfg.")


def test_missing_configs_and_keys_are_clear_errors() -> None:
    with pytest.raises(FlowDefinitionError, match="names no config 'other'.*configs: cfg"):
        resolve(ConfigExpr("other").x, CONFIGS)
    with pytest.raises(FlowDefinitionError, match="cfg.a has no key 'c'"):
        resolve(ConfigExpr("cfg").a.c, CONFIGS)
    with pytest.raises(FlowDefinitionError, match="the config 'none' has no value"):
        resolve(ConfigExpr("none").x, {"none": None})


def test_an_expression_has_no_truth_value_and_cannot_be_changed() -> None:
    expr = ConfigExpr("cfg").a
    with pytest.raises(FlowDefinitionError, match="has no value yet"):
        bool(expr)
    with pytest.raises(FlowDefinitionError, match="configs cannot be changed"):
        expr.x = 1
