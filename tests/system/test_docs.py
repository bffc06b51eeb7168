"""The docs site builds as `make docs` builds it (strict: a broken link, a missing anchor, a page left out
of the nav fails), and the README stays a front page that links into it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO

DOCS = REPO / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


def test_the_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    pages = {path.stem for path in DOCS.glob("*.md")}
    built = {path.parent.name for path in site.glob("*/index.html")} | {"index"}
    assert pages <= built, f"pages not built: {pages - built}"
    configuration = (site / "configuration" / "index.html").read_text(encoding="utf-8")
    assert "<!-- settings-table -->" not in configuration and "<code>RAW_URI</code>" in configuration


def test_the_readme_is_a_front_page_whose_links_all_lead_somewhere():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150, "the README is a front page: the rest belongs in docs/"
    targets = [target for target, _ in LINK.findall(readme) if not target.startswith(("http://", "https://"))]
    missing = [target for target in targets if not (REPO / target).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"
    linked = {Path(target).stem for target in targets if target.startswith("docs/") and target.endswith(".md")}
    assert linked >= {path.stem for path in DOCS.glob("*.md")} - {"index"}, "every docs page is linked from the README"


def test_every_image_of_the_docs_is_shown():
    text = "\n".join(path.read_text(encoding="utf-8") for path in DOCS.glob("*.md"))
    unshown = [image.name for image in DOCS.glob("*.png") if f"]({image.name})" not in text]
    assert not unshown, f"images in docs/ no page shows: {unshown}"


# A path the docs name in backticks, e.g. `lake/parse.py` or `include/deploy/webhook.yaml`: the package's
# folders are named from the package, the deploy files from include/deploy/. What a run makes (./data,
# dist/, .airflow/, keys in the lake), the machine holds (../shared) or another project ships (airflow/)
# is not in the repository.
PATH_TOKEN = re.compile(r"`([\w.-]+(?:/[\w.-]+)+\.(?:py|sql|yaml|md|sh|txt|in|lock|toml|png|json))`")
NOT_IN_THE_REPOSITORY = ("data/", "dist/", ".airflow", "../", "site/", "dags/include", "reports/", "march/", "airflow/")
BASES = [REPO, REPO / "plugins" / "telegram_pipeline", REPO / "include" / "deploy", REPO / "include" / "sql"]


def test_every_file_the_docs_name_exists():
    named = {
        (page.name, path)
        for page in [REPO / "README.md", *DOCS.glob("*.md")]
        for path in PATH_TOKEN.findall(page.read_text(encoding="utf-8"))
        if not path.startswith(NOT_IN_THE_REPOSITORY)
    }
    assert len(named) > 100
    missing = sorted((page, path) for page, path in named if not any((base / path).exists() for base in BASES))
    assert not missing, f"the docs name files that do not exist (moved or renamed?): {missing}"
