"""The order `make test` starts modules in names modules that exist: a renamed or moved slow module would
otherwise drop silently to the end of the run and become its tail."""

from __future__ import annotations

from tests.conftest import LONGEST_FIRST, SPREAD
from tests.support.paths import REPO


def test_every_module_the_order_names_exists():
    missing = [name for name in LONGEST_FIRST if not (REPO / "tests" / name).is_file()]
    missing += [name for name in SPREAD if not (REPO / name).is_file()]
    assert not missing, f"tests/conftest.py names modules that are not there: {missing}"
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
