"""Sub-commands `fieldops report`, `backup`, `restore` and `purge`: one entry of server.cli.COMMANDS.

They act as the operator on the machine (the SYSTEM actor: every site) with the settings of FIELDOPS_*.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from server.settings import from_env


def cmd_report(args: argparse.Namespace) -> int:
    from server.domain.actor import SYSTEM
    from server.ops.purge import exports_dir
    from server.reports import build_report, report_csv, report_page
    from server.services import Services

    services = Services(from_env())
    try:
        report = build_report(services, SYSTEM, args.month, args.site)
    finally:
        services.close()
    text = {"json": lambda r: json.dumps(r, indent=2, ensure_ascii=False) + "\n", "csv": lambda r: report_csv(r, args.lang),
            "html": lambda r: report_page(r, args.lang)}[args.format](report)
    if not args.save:
        sys.stdout.write(text)
        return 0
    folder = exports_dir(services.settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{report['month']}-{args.site or 'all'}.{args.format}"
    path.write_text(text, encoding="utf-8")
    print(path)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from server.ops.backup import backup

    manifest = backup(from_env(), Path(args.path))
    print(f"backup written to {args.path}: database {manifest['database_sha256'][:12]}…, {manifest['blobs']} blobs, files {', '.join(manifest['files']) or 'none'}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from server.ops.backup import restore

    settings = from_env()
    manifest = restore(settings, Path(args.path), force=args.force)
    print(f"restored the backup of {manifest['created_at']} into {settings.data_dir} ({manifest['restored_blobs']} blobs copied)")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from server.clock import now
    from server.ops.purge import purge
    from server.store import open_store

    settings = from_env()
    store = open_store(settings.store_location)
    try:
        removed = purge(settings, store, now())
    finally:
        store.close()
    print(", ".join(f"{name}: {count} removed" for name, count in removed.items()))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="the monthly statistics (DOMAIN.md targets) for all sites or one")
    report.add_argument("--month", required=True, help="YYYY-MM in the company's time zone (FIELDOPS_COMPANY_TZ)")
    report.add_argument("--site", help="one site id; all sites when omitted")
    report.add_argument("--format", choices=["csv", "json", "html"], default="json", help="json (default), csv, or the printable html page")
    report.add_argument("--lang", choices=["zh-CN", "en"], default="zh-CN", help="the language of the html page and the csv labels (default zh-CN)")
    report.add_argument("--save", action="store_true", help="write to FIELDOPS_DATA_DIR/exports/ and print the path instead of printing the report")
    report.set_defaults(run=cmd_report)

    backup = sub.add_parser("backup", help="copy the database (SQLite online backup, or pg_dump with FIELDOPS_DATABASE_URL), blobs and keys to PATH while the service runs")
    backup.add_argument("path", help="a new or empty directory")
    backup.set_defaults(run=cmd_backup)

    restore = sub.add_parser("restore", help="put a backup made by `fieldops backup` in place as FIELDOPS_DATA_DIR (stop the service first)")
    restore.add_argument("path", help="the backup directory")
    restore.add_argument("--force", action="store_true", help="replace an existing database")
    restore.set_defaults(run=cmd_restore)

    purge = sub.add_parser("purge", help="delete dead letters, expired uploads and exports past their retention (FIELDOPS_RETENTION_*)")
    purge.set_defaults(run=cmd_purge)

