"""Report tables built once per test module for the same engine, range and settings.

Several tests of a module read different tables of the same build: the reactions of a range, then its
members, then its conversations. Building every report of the range again for each (on DuckDB, or the
Athena text transpiled back) proves nothing more than the first build did, and costs seconds a test. A
module that gives every test the same lake (one built once, ``tests/support/lake_once.py``, read and not
written by these tests) keeps one ``ReportsOnce`` for the module; what a test changes in the settings
(a threshold, the time zone) makes a build of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.reports import definitions


class ReportsOnce:
    def __init__(self) -> None:
        self._built: dict[tuple, dict[str, Any]] = {}

    def tables(self, engine: str, rng: definitions.ReportRange, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``build()``'s tables, built by the first test that asks for ``engine`` on ``rng`` with these
        settings. The lake's place (its zones, the catalog file in it) is left out of the settings: each test's
        lake is a copy of the same one."""
        lake = dict.fromkeys(("raw_uri", "curated_uri", "reports_uri", "quarantine_uri", "catalog_db_path"), "")
        settings = dataclasses.replace(config.load(), **lake)
        key = (engine, rng, settings)
        if key not in self._built:
            self._built[key] = build()
        return dict(self._built[key])  # a test may change its dict, never the next test's
