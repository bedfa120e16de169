"""Values known only once a run's configs are: `cfg.a.b`, `cfg["k"]`, `config_expr("cfg.a")`.

A flow's class body runs at import time, before any config file is read, so a decorator
argument such as `@timeout(seconds=cfg.timeout)` holds a `ConfigExpr`. When the command line
has loaded the configs, `resolve(value, configs)` turns every expression inside a value (also
inside dicts, lists and tuples) into the config value it names. Pure.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from flowscope.errors import FlowDefinitionError

_ATTR, _ITEM = "attr", "item"


class ConfigExpr:
    """A path into a config, evaluated when the configs are loaded (see the module doc)."""

    __slots__ = ("_fs_path", "_fs_root", "_fs_text")
    _fs_root: str
    _fs_path: tuple[tuple[str, Any], ...]
    _fs_text: str | None

    def __init__(
        self, root: str, path: tuple[tuple[str, Any], ...] = (), text: str | None = None
    ) -> None:
        object.__setattr__(self, "_fs_root", root)
        object.__setattr__(self, "_fs_path", path)
        object.__setattr__(self, "_fs_text", text)

    def __getattr__(self, name: str) -> ConfigExpr:
        if name.startswith(("__", "_fs_")):
            raise AttributeError(name)
        return ConfigExpr(self._fs_root, (*self._fs_path, (_ATTR, name)))

    def __getitem__(self, key: Any) -> ConfigExpr:
        return ConfigExpr(self._fs_root, (*self._fs_path, (_ITEM, key)))

    def __setattr__(self, name: str, value: Any) -> None:
        raise FlowDefinitionError(f"{self!r} is a config value; configs cannot be changed.")

    def __bool__(self) -> bool:
        raise FlowDefinitionError(
            f"{self!r} has no value yet: configs are loaded when the flow starts. Use it as a "
            f"decorator argument or a Parameter default, or read self.<config> inside a step."
        )

    def __repr__(self) -> str:
        if self._fs_text is not None:
            return f"config_expr({self._fs_text!r})"
        parts = [self._fs_root]
        for kind, key in self._fs_path:
            parts.append(f".{key}" if kind == _ATTR else f"[{key!r}]")
        return "".join(parts)


def config_expr(expression: str) -> ConfigExpr:
    """A config value named by text, for places where the config attribute is not in scope
    (flow decorators, module level): `@project(name=config_expr("cfg.project"))`. The text is
    a config's name followed by `.key` and `[key]` parts."""
    if not isinstance(expression, str):
        raise FlowDefinitionError(
            f"config_expr takes text such as 'cfg.key', got {type(expression).__name__}."
        )
    try:
        tree = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        raise FlowDefinitionError(
            f"config_expr({expression!r}) is not valid: write a config name followed by .key or "
            f"[key] parts, e.g. config_expr('cfg.resources.cpu')."
        ) from None
    path: list[tuple[str, Any]] = []
    node: ast.expr = tree
    while not isinstance(node, ast.Name):
        if isinstance(node, ast.Attribute):
            path.append((_ATTR, node.attr))
            node = node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            path.append((_ITEM, node.slice.value))
            node = node.value
        else:
            raise FlowDefinitionError(
                f"config_expr({expression!r}) is not valid: only a config name followed by .key "
                f"or [key] parts is understood, e.g. config_expr('cfg.resources.cpu')."
            )
    return ConfigExpr(node.id, tuple(reversed(path)), text=expression.strip())


def is_deferred(value: Any) -> bool:
    """True if `value` is, or holds (in dicts, lists, tuples), a ConfigExpr."""
    if isinstance(value, ConfigExpr):
        return True
    if isinstance(value, Mapping):
        return any(is_deferred(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_deferred(v) for v in value)
    return False


def resolve(value: Any, configs: Mapping[str, Any]) -> Any:
    """`value` with every ConfigExpr in it replaced by the config value it names."""
    if isinstance(value, ConfigExpr):
        return _evaluate(value, configs)
    if isinstance(value, dict):
        return {k: resolve(v, configs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, configs) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(resolve(v, configs) for v in value)
    return value


def _evaluate(expr: ConfigExpr, configs: Mapping[str, Any]) -> Any:
    root: str = expr._fs_root
    if root not in configs:
        known = ", ".join(sorted(configs)) or "none"
        raise FlowDefinitionError(
            f"{expr!r} names no config '{root}' of this flow (its configs: {known})."
        )
    value = configs[root]
    walked = root
    for kind, key in expr._fs_path:
        step = f".{key}" if kind == _ATTR else f"[{key!r}]"
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            if value is None:
                problem = f"the config '{root}' has no value (no file, no default)"
            else:
                problem = f"{walked} has no key {key!r}"
            raise FlowDefinitionError(
                f"{expr!r} cannot be evaluated: {problem}. Add it to the config, or pass "
                f"another config with --config {root} FILE."
            ) from None
        walked += step
    return value
