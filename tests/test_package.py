"""The top-level package: light to import, and exporting every public name it promises."""

from __future__ import annotations

import subprocess
import sys

import flowscope

HEAVY = [
    "http.client",
    "urllib.request",
    "httpx",
    "psycopg",
    "starlette",
    "uvicorn",
    "sqlite3",
    "argparse",
    "numpy",
    "pandas",
    "lz4",
    "blake3",
    "multiprocessing",
    "asyncio",
    "dask",
    "distributed",
]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_flowscope_loads_no_driver_client_or_framework():
    loaded = _modules_after("import flowscope")
    assert not [m for m in HEAVY if m in loaded]


def test_the_s3_client_loads_only_when_an_s3_address_is_opened():
    loaded = _modules_after(
        "from flowscope.datastore import ContentStore, open_storage; import flowscope.stores"
    )
    assert not [m for m in ("boto3", "botocore", "flowscope.datastore.s3") if m in loaded]


def test_authoring_imports_stay_light_too():
    loaded = _modules_after("from flowscope import FlowSpec, step, Parameter, current")
    assert not [m for m in HEAVY if m in loaded and m != "argparse"]


def test_client_import_loads_no_http_client_or_web_framework():
    loaded = _modules_after("from flowscope import Flow, Run, namespace, metadata")
    assert not [
        m for m in ["http.client", "httpx", "psycopg", "starlette", "uvicorn"] if m in loaded
    ]


# Loaded on first use only: none of these may load on the way to, or during, a plain run.
NOT_ON_THE_RUN_PATH = [
    "flowscope.cards.builder",  # the components and the renderer: steps with @card
    "flowscope.cards.default_card",
    "flowscope.cards.graph_svg",
    "flowscope.cards.summary",
    "flowscope.cards.types",
    "flowscope.metastore.filters",  # the filter language: a where= only
    "flowscope.metastore.filter_sql",
    "flowscope.flow.project",  # flows with flow-level decorators (@project) only
    "flowscope.flow.mutators",  # flows with mutators (or flow decorators), and --with
    "flowscope.runtime.dask_cluster",  # --executor dask only
    "flowscope.runtime.dask_executor",
    "flowscope.runtime.portable",
    "flowscope.runtime.cards",  # steps with @card only (runtime/card_policy.py decides)
    "flowscope.cli.card_cmds",  # `card` and `dump --file` only
    "flowscope.cli.export",
    "flowscope.client",  # current.run / current.task only
    "flowscope.service",
    "flowscope.ui",
    "html",
    "pprint",
    "tempfile",
]
NOT_FOR_AUTHORING = [  # besides those: what `from flowscope import FlowSpec, step` leaves out
    "flowscope.flow.card",
    "flowscope.flow.config",
    "flowscope.flow.environment",
    "flowscope.flow.graph",
    "flowscope.flow.lint",
    "flowscope.flow.mutators",
    "flowscope.flow.resources",
    "flowscope.flow.secrets",
    "flowscope.flow.user_decorators",
    "flowscope.runtime",
    "flowscope.datastore",
    "flowscope.metastore.store",
    "flowscope.metastore.run_table",  # the client's to_pandas only
    "flowscope.cards",
]


def _modules_of_a_hello_run(tmp_path) -> set[str]:
    """The modules of the runner's process at the end of `python examples/hello.py run`."""
    from pathlib import Path

    hello = Path(__file__).resolve().parents[1] / "examples" / "hello.py"
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{str(hello)!r}, '--quiet', 'run']\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert (tmp_path / ".flowscope").is_dir()  # it did run
    return set(out.stdout.split())


def test_a_plain_run_loads_only_what_it_uses(tmp_path):
    loaded = _modules_of_a_hello_run(tmp_path)
    assert "flowscope.runtime.runner" in loaded  # the check can see what a run loads
    assert not [m for m in NOT_ON_THE_RUN_PATH if m in loaded]


def test_a_client_listing_loads_no_datastore(tmp_path):
    _modules_of_a_hello_run(tmp_path)  # a store with one run
    code = (
        "import sys\n"
        "from flowscope import Flow, namespace\n"
        "namespace(None)\n"
        "run = Flow('HelloFlow').latest_successful_run\n"
        "assert run is not None and [s.id for s in run] == ['end', 'hello', 'start']\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    loaded = set(out.stdout.split())
    assert "flowscope.metastore.records" in loaded  # the check can see what a listing loads
    assert not [m for m in ("flowscope.datastore", "flowscope.datastore.cas") if m in loaded]


def test_the_package_and_the_authoring_names_load_no_feature_modules():
    for statement in (
        "import flowscope",
        "from flowscope import FlowSpec, step, Flow, namespace",
        "from flowscope import FlowSpec, step, current, Parameter",
    ):
        loaded = _modules_after(statement)
        assert "flowscope" in loaded
        client = {"flowscope.client", "html"} if "Flow," in statement else set()  # asked for
        unwanted = [m for m in NOT_ON_THE_RUN_PATH + NOT_FOR_AUTHORING if m in loaded - client]
        assert not unwanted, statement


def test_a_name_shared_with_its_module_stays_the_public_object():
    """flowscope.flow loads lazily; `card`, `current`, `project`... name modules too."""
    code = (
        "import flowscope.flow.project, flowscope.flow.current, flowscope.flow.card\n"
        "from flowscope.flow import card, current, project\n"
        "from flowscope import current as top\n"
        "print(callable(card), callable(project), type(current).__name__, top is current)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "Current", "True"]


def test_every_name_in_all_resolves():
    for name in flowscope.__all__:
        assert getattr(flowscope, name) is not None, name


def test_seed_and_spec_names_are_exported():
    names = {
        "Metaflow",
        "Flow",
        "Run",
        "Step",
        "Task",
        "DataArtifact",
        "namespace",
        "get_namespace",
        "default_namespace",
        "metadata",
        "get_metadata",
        "default_metadata",
        "FlowSpec",
        "step",
        "Parameter",
        "IncludeFile",
        "current",
        "retry",
        "catch",
        "timeout",
    }
    assert names <= set(flowscope.__all__)


def test_unknown_attribute_is_an_attribute_error():
    try:
        flowscope.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


OPTIONAL = {  # module prefix -> the extra that provides its third-party imports
    "flowscope.service": {"starlette", "uvicorn", "anyio"},
    "flowscope.metastore.postgres": {"psycopg"},
    "flowscope.cli.service_cmd": {"uvicorn"},
    "flowscope.cli.ui_cmd": {"uvicorn"},
    "flowscope.ui": {"jinja2", "markupsafe", "starlette", "uvicorn", "numpy"},  # numpy: arrays
    "flowscope.datastore.reducers": {"numpy"},  # only when a pickle holds numpy arrays
    "flowscope.datastore.s3": {"boto3", "botocore"},  # flowscope[s3], only for s3:// addresses
    "flowscope.datatools.s3": {"boto3", "botocore"},  # flowscope[s3], only when S3() is used
    "flowscope.client.query": {"pandas"},  # the data extra, only in to_pandas()
    "flowscope.cards": {"nh3", "markdown_it", "vl_convert", "yaml"},  # imported at render
    "flowscope.runtime.dask_": {"dask", "distributed"},  # flowscope[dask], --executor dask
    "flowscope.client.comparison": {"pandas"},  # imported by compare() only
}
CORE = {"blake3", "lz4"}


def test_runtime_imports_are_stdlib_declared_dependencies_or_extras():
    """A fresh `pip install flowscope` (no extras) must import everything outside the extras."""
    import ast
    from pathlib import Path

    src = Path(flowscope.__file__).parent
    problems = []
    for path in sorted(src.rglob("*.py")):
        module = "flowscope." + ".".join(path.relative_to(src).with_suffix("").parts)
        allowed = (
            CORE
            | {"flowscope"}
            | set().union(*(v for k, v in OPTIONAL.items() if module.startswith(k)))
        )
        tree = ast.parse(path.read_text())
        type_checking = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.If) and ast.unparse(n.test).endswith("TYPE_CHECKING")
        ]
        hidden = {id(m) for n in type_checking for m in ast.walk(n)}
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in allowed:
                    problems.append(f"{module}: {name}")
    assert not problems
