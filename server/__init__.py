"""FieldOps server: HTTP API, domain rules, store, auth, push and the CLI.

`server.http.app.create_app()` builds the ASGI app; `server.cli` is the `fieldops` command.
"""
