"""The two dependency layers against what Amazon MWAA 3.3.1 really has (../shared/mwaa/3.3.1/): Airflow's
constraints for Python 3.12, MWAA's essential constraints and its image's packages.

- ``requirements.txt`` (what MWAA installs on its image): the constraint line, no pin the constraints
  or the image contradict, and every package the shipped code imports that the image lacks.
- ``requirements-dev.lock`` (what ``make venv`` installs): every package MWAA has at MWAA's version,
  so the tests run on the versions production runs.

tests/system/test_mwaa_install.py then runs MWAA's install command itself.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata

import pytest

from tests.support import needs
from tests.support.paths import REPO, SHARED
from tests.support.requirement_files import canonical, pins, requirements

MWAA = SHARED / "mwaa" / "3.3.1"
CONSTRAINTS_URL = "https://raw.githubusercontent.com/apache/airflow/constraints-3.3.1/constraints-3.12.txt"
# Imported by the shipped code, absent from MWAA's image: requirements.txt must bring them.
NOT_IN_THE_IMAGE = {
    "pyarrow", "duckdb", "sqlglot", "vl-convert-python", "pycld2", "regex", "rjieba", "snowballstemmer", "stopwordsiso",
    "publicsuffixlist",
}  # fmt: skip


CONSTRAINTS = pins(MWAA / "constraints-3.12.txt")
ESSENTIAL = pins(MWAA / "mwaa_essential_constraints.txt")
IMAGE = pins(MWAA / "image-packages.txt")


def test_the_mwaa_definition_is_there_and_whole():
    assert len(IMAGE) == 212 and IMAGE["apache-airflow"] == "3.3.1", "../shared/mwaa/3.3.1/image-packages.txt"
    assert CONSTRAINTS["apache-airflow-providers-amazon"] == "9.34.0" and CONSTRAINTS["pyarrow"] == "25.0.0"
    assert ESSENTIAL["apache-airflow"] == "3.3.1" and ESSENTIAL["sqlalchemy"] == "2.0.51"
    assert not NOT_IN_THE_IMAGE & set(IMAGE)
    assert CONSTRAINTS_URL in (MWAA / "constraints-3.12.txt").read_text(), "the local copy names its source"


def test_requirements_name_airflows_constraints_for_3_3_1_on_python_3_12():
    lines = (REPO / "requirements.txt").read_text().splitlines()
    constraint_lines = [line for line in lines if re.match(r"\s*(-c|--constraint)[\s=]", line)]
    assert constraint_lines == [f'--constraint "{CONSTRAINTS_URL}"'], constraint_lines


def test_no_requirement_contradicts_mwaa():
    """A pin the constraints contradict makes pip refuse the whole file (ResolutionImpossible); one the
    essential constraints contradict is refused too; one that moves a package of the image would replace
    what Airflow runs on."""
    wrong = []
    for name, requirement in requirements(REPO / "requirements.txt").items():
        for source, versions in (
            ("constraints-3.12.txt", CONSTRAINTS),
            ("mwaa_essential_constraints.txt", ESSENTIAL),
            ("image-packages.txt", IMAGE),
        ):
            if name in versions and not requirement.specifier.contains(versions[name], prereleases=True):
                wrong.append(f"{requirement} in requirements.txt contradicts {source}'s {name}=={versions[name]}")
    assert not wrong, "\n".join(wrong)


def test_requirements_leave_airflow_alone():
    named = set(requirements(REPO / "requirements.txt"))
    assert not named & set(ESSENTIAL), f"MWAA brings these itself and never lets them move: {named & set(ESSENTIAL)}"


def shipped_imports(tmp_path) -> dict[str, set[str]]:
    """Top-level modules imported (at any depth of the code) by what the MWAA bundle ships: the DAG files
    and plugins.zip, as built by include/deploy/build.py. By module, the files importing it."""
    out = tmp_path / "mwaa"
    subprocess.run(
        [sys.executable, str(REPO / "include" / "deploy" / "build.py"), "mwaa", str(out)],
        check=True,
        capture_output=True,
    )
    sources = {f"dags/{p.relative_to(out / 'dags')}": p.read_text() for p in (out / "dags").rglob("*.py")}
    with zipfile.ZipFile(out / "plugins.zip") as archive:
        sources |= {name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".py")}
    imported: dict[str, set[str]] = {}
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source, name)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                imported.setdefault(module.split(".")[0], set()).add(name)
    return imported


def test_requirements_bring_every_package_the_shipped_code_imports_that_the_image_lacks(tmp_path):
    imported = shipped_imports(tmp_path)
    third_party = {m: files for m, files in imported.items() if m not in sys.stdlib_module_names}
    third_party.pop("telegram_pipeline")
    distributions = metadata.packages_distributions()
    brought = set(requirements(REPO / "requirements.txt"))
    unknown, missing, from_requirements = {}, {}, set()
    for module, files in sorted(third_party.items()):
        names = {canonical(d) for d in distributions.get(module, [])}
        if not names:
            unknown[module] = sorted(files)
        elif not names & (set(IMAGE) | brought):
            missing[module] = (sorted(names), sorted(files))
        elif not names & set(IMAGE):
            from_requirements |= names
    assert not unknown, f"imported by the bundle but installed nowhere, not even in .venv: {unknown}"
    assert not missing, (
        f"imported by the bundle, neither in MWAA's image nor in requirements.txt (module: packages, files): {missing}"
    )
    # The scan does see the imports the image lacks (else this test could not fail).
    assert from_requirements == NOT_IN_THE_IMAGE, from_requirements


def test_requirements_match_the_lock():
    lock = pins(REPO / "requirements-dev.lock")
    for name, requirement in requirements(REPO / "requirements.txt").items():
        assert name in lock and requirement.specifier.contains(lock[name]), (
            f"{requirement}; the lock has {lock.get(name)}"
        )


def test_the_lock_has_every_package_mwaa_has_at_mwaas_version():
    lock = pins(REPO / "requirements-dev.lock")
    drift = [
        f"{name}: lock {version}, {source} {versions[name]}"
        for name, version in sorted(lock.items())
        for source, versions in (
            ("image", IMAGE),
            ("constraints", CONSTRAINTS),
            ("essential constraints", ESSENTIAL),
        )
        if name in versions and versions[name] != version
    ]
    assert not drift, "requirements-dev.lock differs from MWAA (run `make lock`):\n" + "\n".join(drift)
    shared = set(lock) & set(IMAGE)
    assert len(shared) > 150 and NOT_IN_THE_IMAGE <= set(lock), len(shared)


def test_make_lock_resolves_for_python_3_12_against_mwaa():
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^MWAA_PYTHON_VERSION := 3\.12$", makefile, re.M)
    assert "--python-version $(MWAA_PYTHON_VERSION)" in recipe and "--exclude-newer $(LOCK_DATE)" in recipe
    for name in ("constraints-3.12.txt", "mwaa_essential_constraints.txt", "image-packages.txt"):
        assert f"--constraint $(MWAA_DIR)/{name}" in recipe, name
    assert re.search(r"^MWAA_DIR \?= \.\./shared/mwaa/3\.3\.1$", makefile, re.M)


def test_python_versions_follow_mwaa():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["requires-python"] == ">=3.12"
    assert project["tool"]["ruff"]["target-version"] == "py312"


def test_the_venv_runs_mwaas_python():
    if sys.version_info[:2] != (3, 12):
        needs.missing(f".venv runs Python {sys.version.split()[0]}, not MWAA's 3.12 (none on this machine?)")


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


def test_make_venv_writes_the_checkouts_bytecode():
    """The package is installed editable, so --compile-bytecode leaves it out, and where
    PYTHONDONTWRITEBYTECODE is set (this machine) every process compiled it again (~0.3 s of CPU a
    command): `make venv` writes it. Its command, as make would run it, leaves every module's current."""
    dry_run = subprocess.run(["make", "-n", "venv"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    command = next(line for line in dry_run.splitlines() if "compileall" in line)
    subprocess.run(command, shell=True, cwd=REPO, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=True)
    sources = sorted((REPO / "plugins" / "telegram_pipeline").rglob("*.py")) + sorted((REPO / "dags").glob("*.py"))
    assert sources
    assert [str(source) for source in sources if not _bytecode_is_current(source)] == []


def _bytecode_is_current(source) -> bool:
    """The source's .pyc exists and was written from it as it is (Python's own check: size and mtime)."""
    from pathlib import Path

    compiled = Path(importlib.util.cache_from_source(str(source)))
    if not compiled.is_file():
        return False
    header, stat = compiled.read_bytes()[:16], source.stat()
    return (
        header[:4] == importlib.util.MAGIC_NUMBER
        and int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
        and int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF
    )


@pytest.mark.parametrize("package", sorted(NOT_IN_THE_IMAGE))
def test_requirements_pin_what_the_image_lacks(package):
    pinned = pins(REPO / "requirements.txt")
    assert package in pinned, f"{package} is not in MWAA's image: requirements.txt must bring it, pinned"
