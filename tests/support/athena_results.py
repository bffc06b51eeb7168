"""Athena's answers as its API gives them, for the tests that stand moto's Athena in for the real one."""

from __future__ import annotations

from datetime import date


def athena_rows(table) -> list[dict]:
    """A table as Athena's GetQueryResults gives it: a header row, then every value as a string."""

    def cell(value):
        if value is None:
            return {}
        if isinstance(value, bool):
            return {"VarCharValue": str(value).lower()}
        if isinstance(value, date):
            return {"VarCharValue": value.isoformat()}
        return {"VarCharValue": str(value)}

    rows = [{"Data": [{"VarCharValue": name} for name in table.column_names]}]
    rows += [{"Data": [cell(v) for v in row.values()]} for row in table.to_pylist()]
    return rows
