"""Running FieldOps for real: online backup and restore, data retention (purge), and their CLI commands.

`server.ops.commands` registers `fieldops report|backup|restore|purge` in server.cli.COMMANDS.
"""
