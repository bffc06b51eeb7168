"""``python -m telegram_pipeline``: a CLI over the same functions the DAGs call.

Each subcommand lives in its own module, imported only when that subcommand runs, so ``--help``
stays fast. A module provides ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("telegram_pipeline.dev.server", "run the webhook handler behind a local HTTP server"),
    "webhook": (
        "telegram_pipeline.ingest.webhook_setup",
        "register, inspect or delete the bot's webhook with Telegram",
    ),
    "consolidate": (
        "telegram_pipeline.lake.consolidate",
        "consolidate one day of raw updates into the curated Parquet table",
    ),
    "catalog": (
        "telegram_pipeline.lake.catalog",
        "create the catalog table and register a day's partition (Glue or local DuckDB)",
    ),
    "ddl": ("telegram_pipeline.lake.schema", "print the Athena DDL of the messages table, generated from the schema"),
    "report": (
        "telegram_pipeline.reports.build",
        "build the reports for a range of days: Parquet tables and an HTML page",
    ),
    "simulate": (
        "telegram_pipeline.dev.simulate",
        "generate a reproducible living group's traffic and send it to a webhook",
    ),
    "import-export": (
        "telegram_pipeline.ingest.desktop_export",
        "import a Telegram Desktop chat export into the raw zone",
    ),
}


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """Every subcommand listed; only ``chosen``'s module imported, for its own options."""
    parser = argparse.ArgumentParser(prog="python -m telegram_pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(command)
            command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(chosen).parse_args(argv)  # exits here for --help and for usage errors
    try:
        return int(args.run(args) or 0)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
