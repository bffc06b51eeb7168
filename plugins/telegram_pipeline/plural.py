"""Counts as people read them, one rule for every message the pipeline writes (pages, digests, the CLI):
the noun singular or plural, thousands written one way ("1 sender", "1,041 messages")."""

from __future__ import annotations


def counted(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"
