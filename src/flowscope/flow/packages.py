"""`@pypi`, `@conda`, `@pypi_base` and `@conda_base`: the packages a step expects. Pure.

The family builds an environment per step from these. flowscope builds none: steps run in
the interpreter that runs the flow (on Dask, the workers'). So the decorators are a promise
checked before anything runs: `unmet(flow_cls)` lists each requirement the interpreter does
not meet, and a run with any is refused with the pip command that would meet them. A flow
written for the family therefore runs unchanged wherever its packages are installed, and
fails early and by name where they are not, never halfway through a run.

    @pypi_base(packages={"pandas": "2.2.3"}, python=">=3.10")
    class TrainFlow(FlowSpec):
        @pypi(packages={"scikit-learn": ">=1.4"})     # adds to (and overrides) the base
        @step
        def train(self): ...

A version is a pin ("2.2.3": that release; "1.4" also takes 1.4.x, as conda reads it) or
clauses such as ">=1.4,<2" (==, !=, <, <=, >, >=, ~=, and a trailing .* on == and !=).
Versions compare by their release numbers; a pre-release counts as its release.
`disabled=True` leaves a step (or, on a base, the flow) unchecked.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import metadata
from typing import Any, Final, NamedTuple, TypeVar

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import (
    FLOW_DECORATORS,
    StepDecorator,
    _apply,
    add_flow_decorator,
    flow_decorators,
    is_step,
    step_decorators,
)

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)

_CLAUSE = re.compile(r"^\s*(==|!=|<=|>=|~=|<|>)?\s*([0-9][0-9A-Za-z.+!*-]*)\s*$")
_NOT_PACKAGES = frozenset({"python", "pip"})


def _packages(owner: str, given: object) -> dict[str, str]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise FlowDefinitionError(
            f"{owner}: packages must be a dict of name -> version such as "
            f'{{"pandas": "2.2.3"}}, not {type(given).__name__}.'
        )
    found: dict[str, str] = {}
    for name, version in given.items():
        if not isinstance(name, str) or not name.strip():
            raise FlowDefinitionError(f"{owner}: a package name must be a non-empty string.")
        if not isinstance(version, str):
            raise FlowDefinitionError(
                f"{owner}: the version of {name!r} must be a string such as '2.2.3' or "
                f"'>=1.4' ('' for any), not {version!r:.40}."
            )
        _clauses(owner, name, version)  # refused now, not when the run starts
        found[name.split("::")[-1].strip()] = version.strip()
    return found


def _python(owner: str, python: object) -> str | None:
    if python is None:
        return None
    if not isinstance(python, str):
        raise FlowDefinitionError(
            f"{owner}: python= takes a version such as '3.11', not {python!r:.40}."
        )
    _clauses(owner, "python", python)
    return python.strip() or None


class _Packages:
    """What one decorator asks for: packages by name, a Python version, or nothing."""

    def __init__(self, owner: str, packages: object, python: object, disabled: object) -> None:
        if not isinstance(disabled, bool):
            raise FlowDefinitionError(
                f"{owner}: disabled= takes True or False, not {disabled!r:.40}."
            )
        self.packages = _packages(owner, packages)
        self.python = _python(owner, python)
        self.disabled = disabled


class PackagesDecorator(StepDecorator):
    """@pypi / @conda on a step (see the module doc)."""

    def __init__(self, packages: object, python: object = None, disabled: object = False) -> None:
        super().__init__()
        self.wanted = _Packages(f"@{self.name}", packages, python, disabled)

    def attach(self, func: F) -> F:
        other = [d.name for d in step_decorators(func) if isinstance(d, PackagesDecorator)]
        if other and other[0] != self.name:
            raise FlowDefinitionError(
                f"Step '{getattr(func, '__name__', func)}' has @{other[0]} and @{self.name}; "
                f"they do not combine: list every package in one of them."
            )
        return super().attach(func)

    def attributes(self) -> dict[str, Any]:
        return {
            "packages": dict(self.wanted.packages),
            "python": self.wanted.python,
            "disabled": self.wanted.disabled,
        }


class PypiDecorator(PackagesDecorator):
    name = "pypi"


class CondaDecorator(PackagesDecorator):
    name = "conda"


class PackagesBase:
    """@pypi_base / @conda_base on a flow class: what every step expects."""

    def __init__(self, name: str, packages: object, python: object, disabled: object) -> None:
        self.name: Final = name
        self.wanted = _Packages(f"@{name}", packages, python, disabled)

    def __call__(self, cls: C) -> C:
        if not isinstance(cls, type):
            raise FlowDefinitionError(
                f"@{self.name} decorates a flow class (class MyFlow(FlowSpec)), not {cls!r:.60}."
            )
        if any(isinstance(d, PackagesBase) for d in cls.__dict__.get(FLOW_DECORATORS, [])):
            raise FlowDefinitionError(
                f"{cls.__name__} has @pypi_base or @conda_base already; keep one of them."
            )
        add_flow_decorator(cls, self)
        return cls

    def __repr__(self) -> str:
        return f"@{self.name}({self.wanted.packages!r})"


def pypi(
    func: Any = None,
    /,
    *,
    packages: Mapping[str, str] | None = None,
    python: str | None = None,
    disabled: bool = False,
) -> Any:
    """The PyPI packages (name -> version) and Python version a step expects."""
    return _apply(PypiDecorator(packages, python, disabled), func)


def conda(
    func: Any = None,
    /,
    *,
    packages: Mapping[str, str] | None = None,
    libraries: Mapping[str, str] | None = None,
    python: str | None = None,
    disabled: bool = False,
) -> Any:
    """The conda packages (`packages=` or the older `libraries=`) a step expects."""
    return _apply(CondaDecorator(_both(packages, libraries), python, disabled), func)


def pypi_base(
    *, packages: Mapping[str, str] | None = None, python: str | None = None, disabled: bool = False
) -> PackagesBase:
    """The PyPI packages every step of the flow expects (a step's @pypi adds to them)."""
    return PackagesBase("pypi_base", packages, python, disabled)


def conda_base(
    *,
    packages: Mapping[str, str] | None = None,
    libraries: Mapping[str, str] | None = None,
    python: str | None = None,
    disabled: bool = False,
) -> PackagesBase:
    """The conda packages every step of the flow expects (a step's @conda adds to them)."""
    return PackagesBase("conda_base", _both(packages, libraries), python, disabled)


def _both(packages: object, libraries: object) -> object:
    if isinstance(packages, Mapping) and isinstance(libraries, Mapping):
        return {**libraries, **packages}
    return packages if packages is not None else libraries


class Unmet(NamedTuple):
    """One requirement this interpreter does not meet."""

    step: str
    requirement: str  # as pip writes it: "pandas==2.2.3", "python>=3.12"
    found: str  # "installed: 2.1.0", "not installed", "running: 3.11.7"
    package: bool  # False for the Python version, which pip cannot install

    def __str__(self) -> str:
        return f"step '{self.step}': {self.requirement} ({self.found})"


def unmet(flow_cls: type, python_version: str | None = None) -> list[str]:
    """One line per requirement this interpreter does not meet: "step 'train': pandas==2.2.3
    (installed: 2.1.0)". Empty when every enabled step has what it expects."""
    return [str(u) for u in unmet_requirements(flow_cls, python_version)]


def unmet_requirements(flow_cls: type, python_version: str | None = None) -> list[Unmet]:
    """What `unmet` says, as values."""
    version = python_version or ".".join(map(str, sys.version_info[:3]))
    bases = [d.wanted for d in flow_decorators(flow_cls) if isinstance(d, PackagesBase)]
    base = bases[-1] if bases else None
    found: list[Unmet] = []
    for step_name, func in _steps(flow_cls):
        own = [d.wanted for d in step_decorators(func) if isinstance(d, PackagesDecorator)]
        if (own and own[0].disabled) or (not own and (base is None or base.disabled)):
            continue
        packages = {**(base.packages if base else {}), **(own[0].packages if own else {})}
        python = (own[0].python if own else None) or (base.python if base else None)
        if python is not None and not satisfies(version, python):
            found.append(Unmet(step_name, f"python{_shown(python)}", f"running: {version}", False))
        for name, wanted in packages.items():
            if name.lower() in _NOT_PACKAGES:
                continue
            installed = installed_version(name)
            if installed is None:
                found.append(Unmet(step_name, f"{name}{_shown(wanted)}", "not installed", True))
            elif wanted and not satisfies(installed, wanted):
                requirement = f"{name}{_shown(wanted)}"
                found.append(Unmet(step_name, requirement, f"installed: {installed}", True))
    return found


def pip_line(requirements: Iterable[Unmet]) -> str:
    """`pip install 'a==1' b` for the unmet packages (the Python version left out)."""
    wanted = dict.fromkeys(u.requirement for u in requirements if u.package)
    return "pip install " + " ".join(w if w.isidentifier() else f"'{w}'" for w in wanted)


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def satisfies(version: str, spec: str) -> bool:
    """True when `version` meets `spec` (see the module doc for what a spec may be)."""
    return all(_meets(version, op, target) for op, target in _clauses("", "", spec))


def _clauses(owner: str, name: str, spec: str) -> list[tuple[str, str]]:
    clauses = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = _CLAUSE.match(part)
        if match is None or ("*" in match.group(2) and not match.group(2).endswith(".*")):
            raise FlowDefinitionError(
                f"{owner}: {name} {spec!r} is not a version; write one such as '2.2.3', "
                f"'>=1.4' or '>=1.4,<2'."
            )
        clauses.append((match.group(1) or "", match.group(2)))
    return clauses


def _release(version: str) -> tuple[int, ...]:
    numbers = []
    for part in version.split("!")[-1].split("+")[0].split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
        if digits.end() < len(part):
            break
    return tuple(numbers)


def _meets(version: str, op: str, target: str) -> bool:
    have = _release(version)
    if target.endswith(".*"):
        prefix = _release(target[:-2])
        inside = have[: len(prefix)] == prefix
        return not inside if op == "!=" else inside
    want = _release(target)
    width = max(len(have), len(want))
    a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
    if op == "":  # a pin: that release, or (conda's reading of "1.4") any 1.4.x
        return have[: len(want)] == want
    if op == "~=":
        return a >= b and have[: max(len(want) - 1, 1)] == want[: max(len(want) - 1, 1)]
    return {
        "==": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


def _shown(spec: str) -> str:
    spec = spec.strip()
    if not spec:
        return ""
    return spec if spec[0] in "=!<>~" else f"=={spec}"


def _steps(flow_cls: type) -> Iterator[tuple[str, Any]]:
    for name in sorted(dir(flow_cls)):
        func = getattr(flow_cls, name, None)
        if is_step(func):
            yield name, func
