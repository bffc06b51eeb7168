"""The two dependency layers agree with each other, with MWAA's pins and with what is installed."""

from __future__ import annotations

import re
from importlib import metadata

from tests.conftest import REPO

MWAA_PINS = {
    "apache-airflow": "3.3.1",
    "apache-airflow-providers-amazon": "9.34.0",
    "pyarrow": "25.0.0",
    "boto3": "1.43.56",
}


def pins(path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s;#]+)", line.strip())
        if match:
            found[re.sub(r"\[.*\]", "", match.group(1)).lower()] = match.group(2)
    return found


def test_lock_pins_what_mwaa_runs():
    lock = pins(REPO / "requirements-dev.lock")
    for name, version in MWAA_PINS.items():
        assert lock.get(name) == version, f"{name} is {lock.get(name)} in the lock, MWAA runs {version}"


def test_mwaa_requirements_have_a_constraint_and_no_airflow():
    text = (REPO / "requirements.txt").read_text()
    assert re.search(
        r"^--constraint \"?https://raw\.githubusercontent\.com/apache/airflow/constraints-3\.3\.1/constraints-3\.12\.txt",
        text,
        re.M,
    )
    assert "apache-airflow" not in pins(REPO / "requirements.txt")


def test_mwaa_requirements_match_the_lock():
    lock = pins(REPO / "requirements-dev.lock")
    for name, version in pins(REPO / "requirements.txt").items():
        assert lock.get(name) == version, f"{name}: requirements.txt has {version}, the lock {lock.get(name)}"


def test_the_venv_is_the_lock():
    drift = {}
    for name, version in pins(REPO / "requirements-dev.lock").items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            drift[name] = (version, installed)
    assert not drift, f"installed packages differ from the lock (run `make venv`): {drift}"
