"""`Config`: a flow's configuration, read once before a run starts and fixed for the run.

    class TrainFlow(FlowSpec):
        cfg = Config("cfg", default="train.json")          # JSON unless parser= says otherwise

        @timeout(seconds=cfg.timeout)                      # usable in decorator arguments
        @step
        def start(self):
            print(self.cfg.model.depth)                    # read-only inside steps

A config's value comes from, in order: `--config NAME FILE` or `--config-value NAME TEXT`
on the command line (not both), the `default` file if it exists, `default_value` (text to
parse or a dict), else nothing (an error when `required`). The parser takes the text and
returns a dict; it is `json.loads` unless `parser=` gives a function or its dotted name
("tomllib.loads"). The value is recorded with the run as an artifact of its `_parameters`
task (the client reads `run.data.cfg` as a dict); `resume` reuses the recorded value.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow.deferred import ConfigExpr
from flowscope.flow.names import did_you_mean
from flowscope.flow.parameters import JSONType, Parameter, flow_parameters

if TYPE_CHECKING:
    from pathlib import Path


class ParameterContext(NamedTuple):
    """What a function given as a default receives (the family's fields): the flow's name,
    the user's name, the parameter's name, a logger taking one message, the datastore's type
    and, for parameters, the run's configs by name."""

    flow_name: str
    user_name: str
    parameter_name: str
    logger: Callable[..., None]
    ds_type: str
    configs: Mapping[str, Any] | None = None


class ConfigValue(Mapping[str, Any]):
    """A config's value inside a flow: a read-only mapping whose keys are also attributes
    (`cfg.model.depth` or `cfg["model"]["depth"]`); nested dicts are ConfigValues and lists
    are tuples. `to_dict()` gives a plain, mutable copy."""

    __slots__ = ("_fs_data",)
    _fs_data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_fs_data", dict(data))

    def __getitem__(self, key: str) -> Any:
        return _frozen(self._fs_data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._fs_data)

    def __len__(self) -> int:
        return len(self._fs_data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_fs_data":
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            hint = did_you_mean(name, [str(k) for k in self._fs_data])
            raise AttributeError(f"The config has no key '{name}'.{hint}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise FlowDefinitionError(
            f"Configs are read-only inside a flow (tried to set '{name}'); store a changed "
            f"value as an artifact under another name, using cfg.to_dict()."
        )

    __delattr__ = __setattr__  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """A plain deep copy: dicts and lists again."""
        result: dict[str, Any] = json.loads(json.dumps(self._fs_data))
        return result

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ConfigValue):
            return bool(self._fs_data == other._fs_data)
        return isinstance(other, Mapping) and self._fs_data == dict(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ConfigValue({self._fs_data!r})"


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return ConfigValue(value)
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


Parser = Callable[[str], Mapping[str, Any]]

MAX_CONFIG_BYTES = 4 << 20  # a config is recorded with each run, in the run's record


class Config(Parameter):
    """A flow configuration (see the module doc). `default` is a file path (or a function of
    a ParameterContext returning one); `default_value` is text for the parser, a dict, or a
    function returning either; `parser` is a function or a dotted name ("tomllib.loads")."""

    def __init__(
        self,
        name: str,
        default: str | Callable[[ParameterContext], str] | None = None,
        default_value: str | Mapping[str, Any] | Callable[[ParameterContext], Any] | None = None,
        help: str | None = None,
        required: bool = False,
        parser: str | Parser | None = None,
    ) -> None:
        super().__init__(name, type=JSONType, help=help)
        self.required = bool(required)
        self.default_path = default
        self.default_value = default_value
        self.parser = parser
        if default is not None and not (isinstance(default, str) or callable(default)):
            raise FlowDefinitionError(
                f"Config '{name}': default= is the path of a config file, got "
                f"{type(default).__name__}; give the value itself as default_value=."
            )
        if parser is not None and not (isinstance(parser, str) or callable(parser)):
            raise FlowDefinitionError(
                f"Config '{name}': parser= takes a function or its dotted name such as "
                f"'tomllib.loads', got {type(parser).__name__}."
            )

    @property
    def type_name(self) -> str:
        return "config"

    @property
    def option(self) -> str:
        """How the command line sets it: `--config NAME FILE` (or `--config-value`)."""
        return f"--config {self.name}"

    @property
    def metavar(self) -> str:
        return "FILE"

    def describe(self) -> dict[str, Any]:
        described = super().describe()
        path = self.default_path
        described["default"] = path if isinstance(path, str) else None
        return described

    # -- deferred access at class level: cfg.key and cfg["key"] ------------------------

    def __getattr__(self, name: str) -> ConfigExpr:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(ConfigExpr(self.name), name)  # type: ignore[no-any-return]

    def __getitem__(self, key: Any) -> ConfigExpr:
        return ConfigExpr(self.name)[key]

    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any:
        value = super().__get__(instance, owner)
        if instance is None or isinstance(value, Parameter):
            return value
        return ConfigValue(value) if isinstance(value, Mapping) else value

    # -- loading ------------------------------------------------------------------------

    def load(self, text: str, origin: str) -> dict[str, Any]:
        """Parse `text` (read from `origin`, for messages) into the config's value."""
        parse = self._parser()
        try:
            value = parse(text)
        except Exception as exc:  # noqa: BLE001 - a user's parser may raise anything
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise ParameterError(
                f"Config '{self.name}': {origin} cannot be parsed ({type(exc).__name__}: "
                f"{first}); fix it, or pass another with --config {self.name} FILE."
            ) from None
        return self._checked(value, origin)

    def _checked(self, value: Any, origin: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ParameterError(
                f"Config '{self.name}': {origin} gives a {type(value).__name__}, not a "
                f"mapping; a config is a dict (a JSON object)."
            )
        try:
            plain: dict[str, Any] = json.loads(json.dumps(dict(value)))
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"Config '{self.name}': {origin} holds a value that is not JSON data ({exc}); "
                f"configs are recorded with the run as JSON."
            ) from None
        return plain

    def _parser(self) -> Parser:
        parser = self.parser
        if parser is None:
            return json.loads
        if callable(parser):
            return parser
        module, _, attr = parser.rpartition(".")
        try:
            func = getattr(importlib.import_module(module), attr) if module else None
        except (ImportError, AttributeError, ValueError):
            func = None
        if not callable(func):
            raise ParameterError(
                f"Config '{self.name}': the parser '{parser}' cannot be imported; install "
                f"its package, or give parser= as a function."
            )
        return func  # type: ignore[no-any-return]

    def resolve_value(
        self,
        *,
        path: str | None,
        text: str | None,
        context: ParameterContext,
        base_dirs: tuple[Path, ...] = (),
    ) -> dict[str, Any] | None:
        """The value for one run from a file `path` or a `text` given by the user, else
        from the defaults (see the module doc)."""
        from pathlib import Path  # at run start only: `import flowscope` stays light

        if path is not None:
            return self.load(_read(self.name, Path(path)), f"the file {path!r}")
        if text is not None:
            if len(text) > MAX_CONFIG_BYTES:
                raise ParameterError(
                    f"Config '{self.name}': the --config-value text is larger than "
                    f"{MAX_CONFIG_BYTES >> 20} MiB; a config is recorded with every run."
                )
            return self.load(text, "the --config-value text")
        default = self.default_path
        if callable(default):
            default = default(context)
        if default is not None:
            found = _find(Path(default), base_dirs)
            if found is not None:
                return self.load(_read(self.name, found), f"the file {str(found)!r}")
        value = self.default_value
        if callable(value):
            value = value(context)
        if isinstance(value, str):
            return self.load(value, "default_value")
        if value is not None:
            return self._checked(value, "default_value")
        if self.required:
            where = f" (the default file {default!r} does not exist)" if default else ""
            raise ParameterError(
                f"Config '{self.name}' is required and has no value{where}: pass "
                f"--config {self.name} FILE or --config-value {self.name} JSON."
            )
        return None

    def __repr__(self) -> str:
        return f"Config({self.name!r})"


def _find(path: Path, base_dirs: tuple[Path, ...]) -> Path | None:
    from pathlib import Path

    if path.is_absolute():
        return path if path.is_file() else None
    for base in (Path.cwd(), *base_dirs):
        if (base / path).is_file():
            return base / path
    return None


def _read(name: str, path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ParameterError(
                f"Config '{name}': the file '{path}' is larger than {MAX_CONFIG_BYTES >> 20} MiB; "
                f"a config is recorded with every run: keep large data in artifacts or files."
            )
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ParameterError(
            f"Config '{name}': cannot read the file '{path}' ({reason}); pass an existing "
            f"UTF-8 file with --config {name} FILE."
        ) from None


def flow_configs(flow_cls: type[Any]) -> dict[str, Config]:
    """The configs of a flow class by config name, in source order."""
    return {p.name: p for p in flow_parameters(flow_cls).values() if isinstance(p, Config)}


def load_configs(
    flow_cls: type[Any],
    files: Mapping[str, str],
    texts: Mapping[str, str],
    context: ParameterContext,
    base_dirs: tuple[Path, ...] = (),
) -> dict[str, dict[str, Any] | None]:
    """Every config's value for one run: `files` and `texts` (by config name) come from
    `--config` and `--config-value`; unknown names and a name given both ways are errors."""
    configs = flow_configs(flow_cls)
    for option, given in (("--config", files), ("--config-value", texts)):
        for name in given:
            if name not in configs:
                known = ", ".join(configs) or "none"
                raise ParameterError(
                    f"{option} {name}: {flow_cls.__name__} has no config '{name}' (its "
                    f"configs: {known}).{did_you_mean(name, configs)}"
                )
    both = sorted(set(files) & set(texts))
    if both:
        raise ParameterError(
            f"Config '{both[0]}' is given both as a file (--config) and as a value "
            f"(--config-value); give one of them."
        )
    return {
        name: config.resolve_value(
            path=files.get(name),
            text=texts.get(name),
            context=context._replace(parameter_name=name),
            base_dirs=base_dirs,
        )
        for name, config in configs.items()
    }
