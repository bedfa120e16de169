"""`JSONViewer` and `YAMLViewer`: structured data shown as formatted, collapsible text.

    current.card.append(JSONViewer({"lr": 0.1, "layers": [64, 32]}, title="config"))
    current.card.append(YAMLViewer(config, collapsible=False, max_height="20rem"))

Data is serialised with `json` (values JSON cannot hold are shown with str()) or with PyYAML's
safe dumper (from `flowscope[cards]`; other values fall back to JSON). A string that is JSON is
parsed first, so it is shown formatted. Collapsible viewers are `<details>` elements, which
open and close without any script. `show_copy_button` is accepted for compatibility; a card
runs no script, so there is no copy button (the text can be selected). Output is cut at
TEXT_LIMIT characters.
"""

from __future__ import annotations

import importlib
import json
import re
from typing import Any, ClassVar

from flowscope.cards.component import MetaflowCardComponent, id_attribute
from flowscope.cards.escape import clip, text
from flowscope.cards.markdown import INSTALL_HINT
from flowscope.errors import CardError

TEXT_LIMIT = 200_000
_CSS_LENGTH = re.compile(r"\d{1,5}(?:\.\d{1,3})?(?:px|rem|em|vh|%)")


def to_json_text(data: Any) -> str:
    """`data` as indented JSON; a JSON string is parsed and re-indented."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            pass
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as exc:  # e.g. circular references
        return f"// could not be shown as JSON: {exc}\n{data!r}"


def to_yaml_text(data: Any) -> str:
    """`data` as block-style YAML (keys in their order); a JSON string is parsed first."""
    try:
        yaml = importlib.import_module("yaml")
    except ImportError as exc:
        raise CardError(f"YAMLViewer needs PyYAML ({INSTALL_HINT})") from exc
    if isinstance(data, str):
        source = data
        try:
            data = json.loads(source)
        except ValueError:
            return source
    try:
        return str(
            yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True)
        )
    except yaml.YAMLError:  # a value the safe dumper cannot represent: show it as JSON
        return "# shown as JSON: not every value can be written as YAML\n" + to_json_text(data)


class _Viewer(MetaflowCardComponent):
    REALTIME_UPDATABLE = True
    KIND: ClassVar[str] = ""

    def __init__(
        self,
        data: Any,
        collapsible: bool = True,
        max_height: str | None = None,
        show_copy_button: bool = True,
        title: str | None = None,
    ) -> None:
        self._data = data
        self._collapsible = collapsible
        self._max_height = max_height
        self._show_copy_button = show_copy_button
        self._title = title

    def update(self, data: Any) -> None:
        """Show other data."""
        self._data = data

    def _text(self) -> str:
        raise NotImplementedError

    def render(self) -> str:
        style = ""
        if self._max_height is not None:
            if not isinstance(self._max_height, str) or not _CSS_LENGTH.fullmatch(self._max_height):
                raise CardError(
                    f"max_height {self._max_height!r} is not a CSS length such as '300px' or '20rem'"
                )
            style = f' style="max-height: {self._max_height}"'
        kind = self.KIND.lower()
        body = f'<pre class="fs-code fs-{kind}"{style}>{text(clip(self._text(), TEXT_LIMIT))}</pre>'
        title = text(self._title if self._title is not None else self.KIND)
        if self._collapsible:
            return (
                f'<details class="fs-component fs-viewer"{id_attribute(self)} open>'
                f"<summary>{title}</summary>{body}</details>"
            )
        return (
            f'<div class="fs-component fs-viewer"{id_attribute(self)}>'
            f'<p class="fs-viewer-title">{title}</p>{body}</div>'
        )


class JSONViewer(_Viewer):
    """Data shown as formatted JSON."""

    KIND = "JSON"

    def _text(self) -> str:
        return to_json_text(self._data)


class YAMLViewer(_Viewer):
    """Data shown as YAML."""

    KIND = "YAML"

    def _text(self) -> str:
        return to_yaml_text(self._data)
