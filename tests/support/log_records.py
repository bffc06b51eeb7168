"""A logging handler that keeps what it is given, for the tests that read the task log lines."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Generator


class Records(logging.Handler):
    """The messages logged under one logger while a DAG runs in this process (dag.test)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def recorded(name: str, level: int = logging.INFO) -> Generator[Records]:
    """What the logger ``name`` logs at ``level`` and above while the block runs, whatever level an earlier
    test left it at."""
    logger = logging.getLogger(name)
    records, previous = Records(), logger.level
    logger.addHandler(records)
    logger.setLevel(level)
    try:
        yield records
    finally:
        logger.removeHandler(records)
        logger.setLevel(previous)
