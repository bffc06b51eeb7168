"""Rules the report SQL calls as functions, each written once as one expression over its parameters in a
file of ``include/sql/``: DuckDB defines each as a macro for every span (after the tables it reads are
bound); Athena, which has no macros, gets the expression written out where it is called
(``reports/sql.py``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from telegram_pipeline import config


@dataclass(frozen=True)
class Macro:
    name: str
    parameters: tuple[str, ...]
    file: str

    def expression(self) -> str:
        return _expression(self.file)

    def sql(self) -> str:
        return f"CREATE OR REPLACE TEMP MACRO {self.name}({', '.join(self.parameters)}) AS ({self.expression()})"


@functools.cache
def _expression(name: str) -> str:
    lines = config.read_sql(name).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()


IS_KEYWORD = Macro("is_keyword", ("candidate",), "is_keyword.sql")
IS_MEMBER = Macro("is_member", ("sender_id", "chat_id", "origin_chat_id"), "is_member.sql")
MACROS = (IS_KEYWORD, IS_MEMBER)
