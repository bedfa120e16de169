"""`@secrets(sources=[...])`: values a task needs but no artifact, log or record may hold.

    @secrets(sources=["env.TRAIN_SECRETS", {"type": "inline", "values": {"MODE": "x"}}])
    @step
    def train(self):
        token = os.environ["API_TOKEN"]

Each source gives a mapping of environment variable names to values. They are fetched in the
task's own process just before the step runs, set in its environment, and removed after it;
they are never stored, shown by `show`, or written to the run's output by flowscope.

A source is one of:
- `"env.NAME"` or `{"type": "env", "id": "NAME"}`: the variable NAME of the process that
  starts the run holds a JSON object of names to values;
- `{"type": "inline", "values": {...}}`: the values themselves (for tests and examples);
- any object with a `fetch()` method returning a mapping (the `SecretsSource` protocol), for
  a secrets manager of your own.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, overload, runtime_checkable

from flowscope.errors import FlowDefinitionError, RunError
from flowscope.flow.decorators import StepDecorator, _apply

F = TypeVar("F", bound=Callable[..., Any])

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@runtime_checkable
class SecretsSource(Protocol):
    """A place secrets come from: `fetch()` gives environment variable names -> values."""

    def fetch(self) -> Mapping[str, str]: ...


class EnvSource:
    """The JSON object of names to values held by the environment variable `variable`."""

    def __init__(self, variable: str, environ: Mapping[str, str] | None = None) -> None:
        self.variable = variable
        self._environ = environ

    def fetch(self) -> Mapping[str, str]:
        environ = os.environ if self._environ is None else self._environ
        text = environ.get(self.variable)
        if text is None:
            raise RunError(
                f"@secrets: the environment variable {self.variable} is not set; set it to a "
                f'JSON object of names to values, e.g. {self.variable}=\'{{"TOKEN": "..."}}\'.'
            )
        try:
            values = json.loads(text)
        except ValueError:
            values = None
        if not isinstance(values, dict):
            raise RunError(
                f"@secrets: the environment variable {self.variable} does not hold a JSON "
                f"object of names to values (its value is not shown)."
            )
        return values

    def __repr__(self) -> str:
        return f"env.{self.variable}"


class InlineSource:
    """Values written out in the flow: for tests and examples, not for real secrets."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def fetch(self) -> Mapping[str, str]:
        return self.values

    def __repr__(self) -> str:
        return f"inline({len(self.values)} values)"


def make_source(spec: object) -> SecretsSource:
    """The source a `sources=` entry describes (see the module doc)."""
    if isinstance(spec, str):
        prefix, _, ident = spec.partition(".")
        if prefix == "env" and ident:
            return EnvSource(ident)
    elif isinstance(spec, Mapping):
        kind = spec.get("type")
        if kind == "env" and isinstance(spec.get("id"), str):
            return EnvSource(spec["id"])
        if kind == "inline" and isinstance(spec.get("values"), Mapping):
            return InlineSource(spec["values"])
    elif isinstance(spec, SecretsSource):
        return spec
    shown = f"a {type(spec).__name__}" if isinstance(spec, Mapping) else repr(spec)[:60]
    raise FlowDefinitionError(
        f"@secrets: the source {shown} is not understood; use 'env.VARIABLE', "
        f"{{'type': 'inline', 'values': {{...}}}} or an object with a fetch() method."
    )


class SecretsDecorator(StepDecorator):
    """Set the values of `sources` as environment variables of each task of the step."""

    name = "secrets"

    def __init__(self, sources: Sequence[object] = ()) -> None:
        super().__init__()
        self.sources = sources
        self._sources: list[SecretsSource] = []

    def attributes(self) -> dict[str, Any]:
        return {"sources": [repr(s) for s in self._sources]}

    def _validate(self) -> None:
        if isinstance(self.sources, (str, bytes, Mapping)) or not isinstance(
            self.sources, Sequence
        ):
            raise self._invalid("sources", type(self.sources).__name__, "a list of sources")
        self._sources = [make_source(spec) for spec in self.sources]

    def fetch(self) -> dict[str, str]:
        """The variables of every source; a name given by two sources is an error."""
        found: dict[str, str] = {}
        for source in self._sources:
            try:
                values = source.fetch()
            except RunError:
                raise
            except Exception as exc:  # noqa: BLE001 - a user's source may raise anything
                raise RunError(
                    f"@secrets on step '{self.step_name}': the source {source!r} failed "
                    f"({type(exc).__name__})."
                ) from None
            for key, value in values.items():
                if not isinstance(key, str) or not _ENV_NAME.match(key):
                    raise RunError(
                        f"@secrets on step '{self.step_name}': the source {source!r} gives a "
                        f"name that cannot be an environment variable: {str(key)[:40]!r}."
                    )
                if key in found:
                    raise RunError(
                        f"@secrets on step '{self.step_name}': {key} is given by two sources; "
                        f"keep it in one."
                    )
                found[key] = str(value)
        return found


@overload
def secrets(func: F, /) -> F: ...
@overload
def secrets(*, sources: Sequence[object] = ()) -> Callable[[F], F]: ...
def secrets(func: Any = None, /, *, sources: Sequence[object] = ()) -> Any:
    """Set secrets from `sources` as environment variables of the step's tasks only."""
    return _apply(SecretsDecorator(sources), func)
