"""A lake built once for a whole test module and copied into each test's own lake.

Consolidating the same updates again for every test of a module costs seconds a test and proves nothing
more: a module fixture builds the lake once (``built_once``), and each test gets a copy of its raw and
curated zones in its own temporary lake (``copy_into``), so what one test writes (reports, a rewritten
partition) never reaches another.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ZONES = ("raw", "curated")


def built_once[T](folder: Path, build: Callable[[], T], **settings: str) -> T:
    """``build()`` run with the raw and curated zones in ``folder`` and ``settings`` set (TIMEZONE, say);
    every setting is back as it was afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        for zone in ZONES:
            patch.setenv(f"{zone.upper()}_URI", str(folder / zone))
        for name, value in settings.items():
            patch.setenv(name, value)
        return build()


def copy_into(folder: Path, lake: Path) -> None:
    """The raw and curated zones of ``folder`` into the test's lake (the conftest's ``local_lake``)."""
    for zone in ZONES:
        if (folder / zone).exists():
            shutil.copytree(folder / zone, lake / zone, dirs_exist_ok=True)
