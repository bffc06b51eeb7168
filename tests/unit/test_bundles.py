"""The make targets that build the deployment bundles (tests/system/test_bundles.py builds them and
runs what they hold)."""

from __future__ import annotations

import pytest

from tests.support.paths import REPO


@pytest.mark.parametrize("target", ["mwaa-bundle", "lambda-zip"])
def test_make_targets_name_the_build(target):
    makefile = (REPO / "Makefile").read_text()
    assert (
        f"\n{target}:" in makefile
        and "include/deploy/build.py" in makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
    )
