"""Tools some tests need from the machine (Chromium, MWAA's Python 3.12).

On a developer's machine a missing tool skips its tests with the reason; under ``CI=true`` (what
``.ci/run`` sets, after installing them) it fails them, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> NoReturn:
    if CI:
        pytest.fail(f"{reason} (CI=true: a missing tool fails the test instead of skipping it)", pytrace=False)
    pytest.skip(reason)


def python_3_12() -> str | None:
    """A Python 3.12 interpreter (MWAA's and the Lambda runtime's version), on PATH or under pyenv.

    The bare pyenv shim ``python3.12`` refuses to run when 3.12 is not the selected version: the
    probe below weeds it out, as the Makefile's choice of the venv's Python does.
    """
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    newest_first = sorted(
        pyenv.glob("3.12*/bin/python3.12"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parts[-3])],
        reverse=True,
    )
    for candidate in filter(None, [shutil.which("python3.12"), *map(str, newest_first)]):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
        )
        if probe.returncode == 0 and probe.stdout.strip() == "(3, 12)":
            return candidate
    return None
