"""@pypi, @conda and their flow-level bases (flow/packages.py): checked, never installed."""

from __future__ import annotations

import sys

import pytest

from flowscope import FlowSpec, conda, conda_base, pypi, pypi_base, step
from flowscope.errors import FlowDefinitionError
from flowscope.flow.packages import pip_line, satisfies, unmet, unmet_requirements

RUNNING = ".".join(map(str, sys.version_info[:3]))


def _flow(start_deco=None, end_deco=None) -> type:
    def start(self) -> None:
        self.next(self.end)

    def end(self) -> None:
        pass

    start, end = step(start), step(end)
    if start_deco is not None:
        start = start_deco(start)
    if end_deco is not None:
        end = end_deco(end)
    return type("PackagesFlow", (FlowSpec,), {"start": start, "end": end, "__module__": __name__})


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("2.2.3", "2.2.3", True),
        ("2.2.3", "2.2.4", False),
        ("1.4.2", "1.4", True),  # conda reads a short pin as the series
        ("1.40.0", "1.4", False),
        ("2.2.3", "", True),
        ("2.2.3", ">=2.0,<3", True),
        ("3.0.0", ">=2.0,<3", False),
        ("2.2.3", "==2.2.*", True),
        ("2.3.0", "==2.2.*", False),
        ("2.3.0", "!=2.2.*", True),
        ("1.4.5", "~=1.4.2", True),
        ("1.5.0", "~=1.4.2", False),
        ("2.0", "==2.0.0", True),
        ("2.1.0rc1", ">=2.1", True),  # a pre-release counts as its release
        ("2.2.3+local", "2.2.3", True),
    ],
)
def test_a_version_meets_a_pin_or_clauses(version: str, spec: str, expected: bool) -> None:
    assert satisfies(version, spec) is expected


def test_every_unmet_requirement_is_named_with_what_is_installed() -> None:
    cls = pypi_base(packages={"lz4": ">=4", "blake3": "0.0.1"})(
        _flow(start_deco=pypi(packages={"flowscope-absent-package": "1.0"}))
    )
    problems = unmet(cls)
    blake3 = __import__("importlib.metadata").metadata.version("blake3")
    assert problems == [
        f"step 'end': blake3==0.0.1 (installed: {blake3})",
        f"step 'start': blake3==0.0.1 (installed: {blake3})",
        "step 'start': flowscope-absent-package==1.0 (not installed)",
    ]
    assert (
        pip_line(unmet_requirements(cls))
        == "pip install 'blake3==0.0.1' 'flowscope-absent-package==1.0'"
    )


def test_a_step_pin_overrides_the_base_and_disabled_leaves_it_unchecked() -> None:
    cls = pypi_base(packages={"blake3": "0.0.1"})(
        _flow(start_deco=pypi(packages={"blake3": ""}), end_deco=pypi(disabled=True))
    )
    assert unmet(cls) == []
    assert unmet(pypi_base(packages={"blake3": "0.0.1"}, disabled=True)(_flow())) == []


def test_python_versions_and_conda_channels() -> None:
    cls = conda_base(libraries={"conda-forge::lz4": ""}, python="<3.0")(_flow())
    assert unmet(cls) == [
        f"step 'end': python<3.0 (running: {RUNNING})",
        f"step 'start': python<3.0 (running: {RUNNING})",
    ]
    assert unmet(conda_base(python=f">={RUNNING}")(_flow())) == []
    assert unmet(conda_base(packages={"python": "2.7", "lz4": ""})(_flow())) == []


def test_the_pip_line_names_packages_whose_names_start_with_python() -> None:
    cls = pypi_base(packages={"python-flowscope-absent": "1.0"}, python="<3.0")(_flow())
    assert pip_line(unmet_requirements(cls)) == "pip install 'python-flowscope-absent==1.0'"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: pypi(packages=["pandas"]), "packages must be a dict"),
        (lambda: pypi(packages={"pandas": 2}), "must be a string such as '2.2.3'"),
        (lambda: pypi(packages={"pandas": "latest"}), "'latest' is not a version"),
        (lambda: pypi(packages={"": "1"}), "a package name must be a non-empty string"),
        (lambda: pypi(python=3.11), "python= takes a version"),
        (lambda: pypi(disabled="yes"), "disabled= takes True or False"),
        (lambda: pypi_base(packages={"pandas": ">>1"}), "'>>1' is not a version"),
    ],
)
def test_bad_attributes_are_refused_when_the_flow_is_defined(make, message: str) -> None:
    with pytest.raises(FlowDefinitionError, match=message):
        make()


def test_pypi_and_conda_do_not_combine_on_one_step_and_a_base_is_given_once() -> None:
    with pytest.raises(FlowDefinitionError, match="has @conda and @pypi; they do not combine"):
        _flow(start_deco=lambda f: pypi(packages={})(conda(packages={})(f)))
    with pytest.raises(FlowDefinitionError, match="has @pypi_base or @conda_base already"):
        conda_base(packages={})(pypi_base(packages={})(_flow()))
    with pytest.raises(FlowDefinitionError, match="decorates a flow class"):
        pypi_base(packages={})(lambda: None)  # type: ignore[arg-type]
