"""`Parameter` and `IncludeFile`: typed values given on the command line as `--<name> VALUE`.

A parameter is a descriptor on the FlowSpec class. On the class it returns itself; on a flow
instance it returns the run's value, which the runtime binds (see `FlowSpec._fs_bind`). It is
read-only inside steps. Values are recorded as artifacts of the run under the parameter name.

Types: str, int, float, bool and `JSONType`; inferred from the default when not given (str when
there is no default). `convert(text)` turns a command-line string into a value; `resolve(text
or None)` also applies the default and `required`.

With `separator=","` the value is a list: the text is split and each part converted to the
type. A default may be a function of one argument, a `ParameterContext` (flow_name,
user_name, parameter_name, logger, ds_type, configs), called when a run starts and only when
no value is given (give `type=` too: until it is called, values are read as str); or a
config value (`default=cfg.alpha`), known once configs are loaded.
"""

from __future__ import annotations

import builtins
import json
from typing import Any, Final, overload

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow.deferred import is_deferred
from flowscope.flow.names import RESERVED_PARAMETER_NAMES, is_identifier


class JSONType:
    """Marks a parameter whose value is JSON text, parsed with `json.loads`: `type=JSONType`."""


JSONTypeClass = JSONType  # the family's name of the class (its JSONType is an instance)


TYPE_NAMES: Final[dict[type[Any], str]] = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    JSONType: "JSON",
}

_TRUE: Final = frozenset({"true", "yes", "1"})
_FALSE: Final = frozenset({"false", "no", "0"})
_EXPECTED: Final = {
    int: "an integer, e.g. 3",
    float: "a number, e.g. 0.5",
    bool: "one of true/false/yes/no/1/0",
    JSONType: "JSON text, e.g. '{\"a\": 1}' or '[1, 2]'",
}


def _infer_type(default: object) -> type[Any] | None:
    if default is None or isinstance(default, str):
        return str
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    if isinstance(default, (dict, list, tuple)):
        return JSONType
    return None


class Parameter:
    """A typed flow parameter, set from the command line with `--<name> VALUE`.

    `type` is one of str, int, float, bool or JSONType; when omitted it is inferred from the
    default. A `required` parameter has no default and must be given.
    """

    def __init__(
        self,
        name: str,
        default: Any = None,
        type: type[Any] | None = None,
        help: str | None = None,
        required: bool = False,
        separator: str | None = None,
        show_default: bool = True,
    ) -> None:
        if not is_identifier(name) or name.startswith("_"):
            raise FlowDefinitionError(
                f"Parameter name {name!r} is not valid: use a Python identifier that does "
                f"not start with '_' (it becomes the option --<name>)."
            )
        if name in RESERVED_PARAMETER_NAMES:
            raise FlowDefinitionError(
                f"Parameter name '{name}' is reserved by flowscope; choose another name."
            )
        self.name = name
        self.help = help
        self.required = bool(required)
        self.attr_name: str | None = None
        self.show_default = bool(show_default)  # False: help does not show the default
        self.separator = self._check_separator(separator, type)
        self.type_given = type is not None
        # a function or a config value: known only when a run starts (see `bind_default`)
        self.deferred_default: Any = default if _is_deferred_default(default) else None
        if self.deferred_default is not None:
            default = None
        self.type: builtins.type[Any] = self._choose_type(type, default)
        self.default: Any = self._check_default(default)
        if self.required and (default is not None or self.deferred_default is not None):
            raise FlowDefinitionError(
                f"Parameter '{name}' is required and also has a default ({default!r}); "
                f"drop one of them."
            )

    def _check_separator(self, separator: object, given: type[Any] | None) -> str | None:
        if separator is None:
            return None
        if not isinstance(separator, str) or not separator:
            raise FlowDefinitionError(
                f"Parameter '{self.name}': separator={separator!r} is not valid; give the "
                f"text that separates the values, e.g. separator=','."
            )
        if given is JSONType:
            raise FlowDefinitionError(
                f"Parameter '{self.name}': separator= splits text into values of a simple "
                f"type (str, int, float, bool), not JSON; drop one of them."
            )
        return separator

    def _choose_type(self, given: type[Any] | None, default: object) -> type[Any]:
        if given is None and self.separator is not None:
            items = default if isinstance(default, (list, tuple)) and default else [None]
            return self._choose_type(None, items[0]) if items[0] is not None else str
        if given is None:
            inferred = _infer_type(default)
            if inferred is None:
                raise FlowDefinitionError(
                    f"Parameter '{self.name}': cannot infer a type from the default "
                    f"{default!r} ({type(default).__name__}); pass type=str, int, float, "
                    f"bool or JSONType."
                )
            return inferred
        if given not in TYPE_NAMES:
            raise FlowDefinitionError(
                f"Parameter '{self.name}': type={given!r} is not supported; use str, int, "
                f"float, bool or JSONType."
            )
        return given

    def _check_default(self, default: Any) -> Any:
        if default is None:
            return None
        if self.separator is not None:
            if isinstance(default, str):
                return self.convert(default)
            if isinstance(default, (list, tuple)):
                return [self._check_one(item) for item in default]
        return self._check_one(default)

    def _check_one(self, default: Any) -> Any:
        kind = self.type
        ok: bool
        if kind is JSONType:
            try:
                json.dumps(default)
                ok = True
            except (TypeError, ValueError):
                ok = False
        elif kind is float:
            ok = isinstance(default, (int, float)) and not isinstance(default, bool)
            default = float(default) if ok else default
        elif kind is int:
            ok = isinstance(default, int) and not isinstance(default, bool)
        else:
            ok = isinstance(default, kind)
        if not ok:
            raise FlowDefinitionError(
                f"Parameter '{self.name}': the default {default!r} is a "
                f"{type(default).__name__}, but the parameter's type is {self.type_name}; "
                f"give a default of that type."
            )
        return default

    @property
    def type_name(self) -> str:
        """The type as shown in help: str, int, float, bool or JSON."""
        return TYPE_NAMES[self.type]

    @property
    def metavar(self) -> str:
        """The placeholder for the value in help and messages: VALUE (PATH for files)."""
        return "VALUE"

    @property
    def option(self) -> str:
        """The command-line option, `--<name>`."""
        return f"--{self.name}"

    def convert(self, raw: str) -> Any:
        """Turn a command-line string into a value of this parameter's type (a list of them
        with a separator)."""
        check_text(self.name, raw)
        if self.separator is not None:
            parts = raw.split(self.separator) if raw else []
            return [self._convert_one(part) for part in parts]
        return self._convert_one(raw)

    def bind_default(self, value: Any) -> None:
        """Fix the default once it is known (the result of a deferred default); checked
        against the type like a default written out, the type inferred when not given."""
        self.deferred_default = None
        if not self.type_given:
            self.type = self._choose_type(None, value)
        self.default = self._check_default(value)

    def _convert_one(self, raw: str) -> Any:
        kind = self.type
        if kind is str:
            return raw
        try:
            if kind is bool:
                word = raw.strip().lower()
                if word in _TRUE:
                    return True
                if word in _FALSE:
                    return False
                raise ValueError(raw)
            if kind is JSONType:
                return json.loads(raw)
            return kind(raw.strip())
        except ValueError as exc:
            raise ParameterError(
                f"Parameter '{self.name}': {raw!r} is not a valid {self.type_name}; expected "
                f"{_EXPECTED[kind]}, as in {self.option} {self.metavar}."
            ) from exc

    def resolve(self, raw: str | None) -> Any:
        """The value for one run: `convert(raw)`, or the default when `raw` is None."""
        if raw is not None:
            return self.convert(raw)
        if self.required:
            raise ParameterError(
                f"Parameter '{self.name}' is required: pass {self.option} {self.metavar}."
            )
        return self.default

    def describe(self) -> dict[str, Any]:
        """A JSON-safe description (name, type, default, required, help; and the separator
        of a list parameter)."""
        described = {
            "name": self.name,
            "type": self.type_name,
            "default": self.default if self.deferred_default is None else "(computed)",
            "required": self.required,
            "help": self.help,
        }
        if self.separator is not None:
            described["separator"] = self.separator
        return described

    # -- descriptor protocol ------------------------------------------------------------

    def __set_name__(self, owner: type[Any], attr_name: str) -> None:
        self.attr_name = attr_name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> Parameter: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any: ...
    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        read = getattr(instance, "_fs_parameter_value", None)
        if read is None:
            return self
        return read(self)

    def __set__(self, instance: object, value: Any) -> None:
        raise FlowDefinitionError(
            f"Parameter '{self.name}' is read-only inside a flow; store a changed value "
            f"under another name, e.g. self.{self.name}_used = ..."
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, type={self.type_name})"


class IncludeFile(Parameter):
    """A parameter whose command-line value is a path; the flow sees the file's contents.

    Text files are decoded with `encoding`; with `is_text=False` the value is bytes.
    """

    def __init__(
        self,
        name: str,
        default: str | None = None,
        is_text: bool = True,
        encoding: str = "utf-8",
        help: str | None = None,
        required: bool = False,
    ) -> None:
        super().__init__(name, default=default, type=str, help=help, required=required)
        self.is_text = bool(is_text)
        self.encoding = encoding

    @property
    def type_name(self) -> str:
        return "file path"

    @property
    def metavar(self) -> str:
        return "PATH"

    def convert(self, raw: str) -> Any:
        """The contents of the file at path `raw`."""
        return self.load(raw)

    def resolve(self, raw: str | None) -> Any:
        path = super().resolve(raw) if raw is None else raw
        return None if path is None else self.load(path)

    def load(self, path: str) -> str | bytes:
        """Read the file at `path`: str when `is_text`, else bytes."""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            return data.decode(self.encoding) if self.is_text else data
        except (OSError, UnicodeDecodeError, LookupError) as exc:
            raise ParameterError(
                f"Parameter '{self.name}': cannot read the file {path!r} "
                f"({type(exc).__name__}: {exc}); pass an existing readable file as "
                f"{self.option} PATH."
            ) from exc


def _is_deferred_default(default: object) -> bool:
    if is_deferred(default):
        return True
    return callable(default) and not isinstance(default, type)


def check_text(name: str, raw: str) -> None:
    """Refuse a command-line value that is not UTF-8 text.

    Python hands undecodable argv bytes over as lone surrogates (surrogateescape); such a
    string can be neither stored nor shown, so it is refused before anything is recorded."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as exc:
        data = raw.encode("utf-8", "surrogateescape")
        bad = raw[exc.start].encode("utf-8", "surrogateescape")
        raise ParameterError(
            f"Parameter '{name}': the value {data!r} is not UTF-8 text (byte 0x{bad.hex()} at "
            f"position {exc.start}); pass the value as UTF-8, e.g. set your terminal's locale "
            f"to a UTF-8 one."
        ) from None


def flow_parameters(flow_cls: type[Any]) -> dict[str, Parameter]:
    """The parameters of a flow class by attribute name, base classes first, in source order."""
    found: dict[str, Parameter] = {}
    for klass in reversed(flow_cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, Parameter):
                found[attr] = value
            elif attr in found:
                del found[attr]
    return found
