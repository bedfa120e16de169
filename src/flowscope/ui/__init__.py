"""The web UI: server-rendered pages over one pair of stores, `flowscope ui`.

app.py       the app factory (`create_app`, `ui_routes` to mount the pages elsewhere)
pages.py     the handlers: read, then render one template or answer the page script's JSON
reading.py   runs, steps and tasks as the pages show them (provider + datastore reads)
runs_list.py the runs list: filters, facets, parameter columns, sorting, paging
compare.py   runs side by side, differences only, charts of scalar results
preview.py   artifact previews loaded on demand, bounded
cards.py     a task's cards, each in a sandboxed frame served with its own strict CSP
login.py     behind a token (the service): the login page, the session cookie, logout
graph.py     the run's step graph (shape from the code package, state from the records)
timeline.py  the Gantt SVG of task attempts
guard.py     Host/Origin checks, CSRF tokens, security headers
templates/   Jinja2 templates (autoescape on);  static/  ui.js and ui.css, hand-written

Needs the `flowscope[ui]` extra (Jinja2, Starlette, uvicorn). Never imported by
`import flowscope`.
"""

from __future__ import annotations

from flowscope.ui.app import create_app, ui_routes

__all__ = ["create_app", "ui_routes"]
