"""The HTTP layer: thin Litestar controllers over Services; no SQL and no rules here.

`app.create_app()` is the one factory; errors map to JSON in errors.py.
"""
