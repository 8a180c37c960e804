"""Running FieldOps for real: online backup and restore, data retention (purge), and their CLI commands.

`server.ops.core_commands` and `server.ops.commands` hold the sub-commands server.cli.COMMANDS lists.
"""
