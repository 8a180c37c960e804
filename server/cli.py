"""The `fieldops` command: serve, and the administration a deployment needs (sites, users, devices).

The sub-commands live in their areas' modules and are listed once in COMMANDS; `fieldops --help` is what the README shows.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from server.ops import commands, core_commands

# The extension point `COMMANDS` (server/extensions.py): each entry adds its sub-commands to the parser, in this order.
COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    core_commands.add_commands,  # serve, site add, user add, device add, simulate
    commands.add_commands,  # report, backup, restore, purge
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldops", description="FieldOps: work orders, offline sync, sensor alarms. Settings come from FIELDOPS_* variables.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add_commands in COMMANDS:
        add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from server.errors import AppError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except AppError as exc:
        print(f"error ({exc.code}): {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
