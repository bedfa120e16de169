"""The notebook display of a RunDiff (client/diff_html.py): escaped, differences only by default."""

from __future__ import annotations

from flowscope.client import Run

from .conftest import ENV
from .diff_fixtures import two_runs


def test_html_escapes_hostile_strings(client, builder):
    hostile = "<script>alert('x')</script>"
    runs = []
    for value in ("a", hostile):
        run = builder.new_run(
            "H", parameters={"p": value}, code={"flow.py": value + "\n", hostile: value}
        )
        builder.task(run, "end", {"x": value}, env={**ENV, "packages": {hostile: value}})
        runs.append(builder.finish(run))
    diff = Run(runs[0].pathspec).diff(Run(runs[1].pathspec))
    for page in (diff._repr_html_(), diff.view()._repr_html_()):
        assert "<script>" not in page and "&lt;script&gt;" in page
    assert "diff.view()" in diff._repr_html_()


def test_html_differences_only_by_default_and_all_on_request(client, builder):
    a, b = two_runs(builder, second_alpha=0.2)
    diff = a.diff(b)
    assert ">start<" not in diff._repr_html_().replace(" ", "")
    everything = diff.view()._repr_html_()
    assert "start:" in everything and "helpers.py" not in everything  # same code: not listed
    assert "the same files" in everything
