"""The provider protocol (metastore/provider.py): both implementations answer every method of
it with the same parameters, so the client and runtime can hold either."""

from __future__ import annotations

import inspect

import pytest

from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.store import SqlMetadataStore


def _protocol_methods() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(MetadataProvider).items()
        if callable(member) and not name.startswith("_")
    }


def test_the_protocol_has_the_reads_and_writes() -> None:
    methods = _protocol_methods()
    for expected in ("describe", "create_run", "finish_attempts", "list_runs", "get_task", "close"):
        assert expected in methods


@pytest.mark.parametrize("implementation", [SqlMetadataStore, HttpMetadataProvider])
def test_each_implementation_takes_the_protocol_parameters(implementation: type) -> None:
    for name, signature in _protocol_methods().items():
        method = getattr(implementation, name, None)
        assert method is not None, f"{implementation.__name__} has no {name}()"
        theirs = inspect.signature(method).parameters
        for param in signature.parameters.values():
            assert param.name in theirs, f"{implementation.__name__}.{name} lacks {param.name}"
            if param.default is not inspect.Parameter.empty:
                assert theirs[param.name].default == param.default, (
                    f"{implementation.__name__}.{name}({param.name}=...) default differs"
                )
        extra_required = [
            p.name
            for p in theirs.values()
            if p.name not in signature.parameters
            and p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        assert not extra_required, f"{implementation.__name__}.{name} requires {extra_required}"
