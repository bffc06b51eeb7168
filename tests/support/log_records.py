"""A logging handler that keeps what it is given, for the tests that read the task log lines."""

from __future__ import annotations

import logging


class Records(logging.Handler):
    """The messages logged under one logger while a DAG runs in this process (dag.test)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
