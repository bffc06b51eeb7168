"""The rooms of the package and the rules between them (docs/architecture.md, "What may import what"):
every import of the package, the DAG files and the webhook handler, inside functions too, read from the
source, against the table the docs show."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

PACKAGE = REPO / "plugins" / "telegram_pipeline"
LOWER = {"rules", "config", "bot_api", "text", "lake", "ingest", "reports", "delivery"}
# room -> the rooms of the package it may import; the same table as docs/architecture.md.
MAY_IMPORT: dict[str, set[str]] = {
    "rules": set(),
    "config": {"rules"},
    "bot_api": {"config"},
    "text": set(),
    "lake": {"rules", "config", "text"},
    "ingest": {"rules", "config", "lake"},
    "reports": {"rules", "config", "text", "lake"},
    "delivery": {"rules", "config", "bot_api", "lake", "reports"},
    "orchestration": {"rules", "config", "lake", "reports", "delivery"},
    "dev": {"rules", "config", "lake", "reports", "ingest"},
    "cli": LOWER | {"dev"},
    "__main__": {"cli"},
    "__init__": set(),
    "dags": {"rules", "config", "orchestration", "lake", "reports", "delivery"},
    "lambda": {"rules"},
}
# What a DAG file may import at its top, where Airflow's parser pays for it on every parse.
DAG_TOP = {
    "telegram_pipeline.config",
    "telegram_pipeline.orchestration.defaults",
    "telegram_pipeline.orchestration.timetables",
}


def imports(path: Path, top_only: bool = False) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from telegram_pipeline import config` imports the module telegram_pipeline.config
            found += (
                [f"{node.module}.{alias.name}" for alias in node.names]
                if node.module == "telegram_pipeline"
                else [node.module]
            )
    return found


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "telegram_pipeline" and len(parts) > 1 else None


def room_of_file(path: Path) -> str:
    if path.is_relative_to(PACKAGE):
        first = path.relative_to(PACKAGE).parts[0]
        return first.removesuffix(".py")
    return "dags" if path.parent.name == "dags" else "lambda"


SOURCES = [*sorted(PACKAGE.rglob("*.py")), *sorted((REPO / "dags").glob("*.py")), REPO / "lambda" / "handler.py"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_each_room_imports_only_the_rooms_below_it(path):
    room = room_of_file(path)
    allowed = MAY_IMPORT[room] | {room}
    wrong = sorted({m for m in imports(path) if (r := room_of(m)) is not None and r not in allowed})
    assert not wrong, f"{room}/ may import {sorted(MAY_IMPORT[room])}, not {wrong}"


def test_every_room_of_the_package_has_its_rules():
    rooms = {room_of_file(path) for path in PACKAGE.rglob("*.py")}
    assert rooms <= set(MAY_IMPORT), (
        f"rooms with no line in MAY_IMPORT (and docs/architecture.md): {rooms - set(MAY_IMPORT)}"
    )


def test_rules_are_standard_library_only():
    """The Lambda zip carries rules/ beside the handler, with boto3 and nothing else."""
    for path in (PACKAGE / "rules").glob("*.py"):
        outside = [
            m for m in imports(path)
            if m.split(".")[0] not in sys.stdlib_module_names and not m.startswith(("telegram_pipeline.rules", "__future__"))
        ]  # fmt: skip
        assert not outside, f"{path.name} imports {outside}: rules/ is standard library only"


@pytest.mark.parametrize("path", sorted((REPO / "dags").glob("*.py")), ids=lambda p: p.name)
def test_a_dag_file_imports_little_at_its_top(path):
    heavy = [
        m for m in imports(path, top_only=True)
        if room_of(m) not in (None, "rules") and m not in DAG_TOP
    ]  # fmt: skip
    assert not heavy, f"{path.name} imports {heavy} when parsed: import it inside the task that needs it"
