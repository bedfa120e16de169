"""The HTTP metadata service: an ASGI app over the one SQL query layer.

    app.py            create_app(store, blobs=, token=, max_body=, max_blob=, ...); bearer auth
    guard.py          same-origin rules (Host, Origin, JSON writes) as ASGI middleware
    deadlines.py      uvicorn's HTTP protocol with time bounds on headers and bodies
    context.py        what routes share (store, blob root, limits); error guard
    wire.py           JSON responses, the error envelope, exceptions -> statuses
    parse.py          path, query and body checks
    bodies.py         request bodies -> metadata records
    routes_runs.py    flows and runs
    routes_tasks.py   steps, tasks, attempts, artifact indexes, facts
    routes_blobs.py   the blob proxy
    server.py         configuration and the uvicorn entry point (`flowscope service`)

Needs the `service` extra (starlette, uvicorn; psycopg for PostgreSQL). Nothing here is
imported by `flowscope` or `flowscope.metastore`.
"""
