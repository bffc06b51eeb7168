"""Requirement and constraint files read as pip reads them: names canonical, exact pins."""

from __future__ import annotations

import re

from packaging.requirements import Requirement


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path) -> dict[str, Requirement]:
    """The requirement lines of a pip requirements/constraints file, by canonical name (options skipped)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            requirement = Requirement(line)
            found[canonical(requirement.name)] = requirement
    return found


def pins(path) -> dict[str, str]:
    pinned = {}
    for name, requirement in requirements(path).items():
        exact = [s.version for s in requirement.specifier if s.operator == "=="]
        if exact:
            pinned[name] = exact[0]
    return pinned
