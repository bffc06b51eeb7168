"""``python -m telegram_pipeline`` (or ``telegram-pipeline``): a CLI over the same functions the DAGs call.

Every command is a pair of functions in one of this folder's modules: ``NAME_arguments(parser)``
and ``NAME(args) -> int``. Only the chosen command's module is imported, so ``--help`` stays fast and
the development commands need nothing that the MWAA bundle leaves out until they are run.
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib
import os
import sys
from datetime import date

DESCRIPTION = "Telegram group analytics: the same functions the DAGs call, one command each."
# command -> (module, function, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "consolidate": ("lake", "consolidate", "consolidate one day (or a range) of raw updates into the curated Parquet table"),
    "catalog": ("lake", "catalog", "create the catalog table and register days' partitions (Glue or local DuckDB)"),
    "history": ("lake", "history", "write the history state of the curated partitions that have none (once, after an upgrade)"),
    "ddl": ("lake", "ddl", "print the Athena DDL of the messages table, generated from the schema"),
    "report": ("reports", "report", "build the reports for a range of days: Parquet tables and an HTML page"),
    "search": ("reports", "search", "the messages of a range of days that use a term, by the word rule, and their count per day"),
    "import-export": ("ingest", "import_export", "import a chat of a Telegram Desktop export (one chat's, or a whole account's) into the raw zone"),
    "digest": ("delivery", "digest", "post each group's digest of a window of days into Telegram (DIGEST_CHAT_IDS), once"),
    "webhook": ("webhook", "webhook", "register, inspect or delete the bot's webhook with Telegram"),
    "serve": ("dev", "serve", "run the webhook handler behind a local HTTP server (development)"),
    "simulate": ("dev", "simulate", "generate a reproducible living group's traffic and send it to a webhook (development)"),
}  # fmt: skip


def day_argument(value: str) -> date:
    """A day on the command line, YYYY-MM-DD (argparse's ``type``: its error is the message argparse prints)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """Every command listed; only ``chosen``'s module imported, for its own options."""
    parser = argparse.ArgumentParser(prog="python -m telegram_pipeline", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, function, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = _command_module(parser, name, module_name)
            getattr(module, f"{function}_arguments")(command)
            command.set_defaults(run=getattr(module, function))
    return parser


def _command_module(parser: argparse.ArgumentParser, command: str, module_name: str):
    try:
        return importlib.import_module(f"telegram_pipeline.cli.{module_name}")
    except ModuleNotFoundError as exc:
        if module_name == "dev" and exc.name and exc.name.startswith("telegram_pipeline."):
            # The MWAA bundle leaves the development tools out on purpose.
            parser.error(f"{command} is a development tool, not part of this installation: run it from a clone")
        raise


def _stacks_on_native_crash() -> None:
    """A crash in native code (pyarrow, DuckDB, CLD2) kills the process with no Python error: print every
    thread's stack to stderr then, here and in the processes a command starts (the environment variable
    reaches them), so that an unattended run's log says where it died."""
    os.environ.setdefault("PYTHONFAULTHANDLER", "1")
    if not faulthandler.is_enabled():
        faulthandler.enable()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _stacks_on_native_crash()
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(chosen).parse_args(argv)  # exits here for --help and for usage errors
    try:
        return int(args.run(args) or 0)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
