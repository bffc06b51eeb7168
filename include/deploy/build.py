"""Build the deployment bundles: ``python include/deploy/build.py mwaa|lambda [OUT]`` (what make runs).

- ``mwaa`` → ``dist/mwaa/``: ``dags/`` (with ``include/`` inside it, as MWAA only syncs the DAGs
  prefix), ``plugins.zip`` (the ``telegram_pipeline`` package at its root), ``requirements.txt`` and
  ``startup.sh`` exporting the pipeline's settings.
- ``lambda`` → ``dist/lambda.zip``: ``handler.py`` at its root with the stdlib rules it shares with the
  package (``telegram_pipeline/rules/``); the runtime brings boto3.

Zips are reproducible: sorted entries with a fixed timestamp, so the same tree gives the same bytes.
Standard library only; run it with any Python 3.11+.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "plugins"))

from telegram_pipeline import config  # noqa: E402

ZIP_DATE = (2020, 1, 1, 0, 0, 0)
# Beside dev/: the CLI module of the development commands (serve, simulate), which imports dev/.
DEV_ONLY = {"cli/dev.py"}
# What the DAGs read on MWAA; the webhook's settings belong to the Lambda, not here.
MWAA_SETTINGS = [
    "RAW_URI", "CURATED_URI", "REPORTS_URI", "QUARANTINE_URI", "TIMEZONE", "CATALOG", "GLUE_DATABASE",
    "PARTITION_PROJECTION", "REPORT_ENGINE", "ATHENA_WORKGROUP", "ATHENA_OUTPUT_URI", "START_DATE",
    "LATE_DAYS", "MAX_BAD_SHARE", "TRACKED_KEYWORDS", "INCLUDE_BOTS", "PSEUDONYMIZE_KEY",
    "DIGEST_CHAT_IDS", "DIGEST_SCHEDULE",
]  # fmt: skip
# Where a local default makes no sense on MWAA: placeholders to replace (or set them when building).
# Two buckets, as include/iam/ has them: the webhook writes only the raw one; the DAGs read raw and
# write the lake one (the quarantine too, so it must not default to a folder of the raw zone).
MWAA_PLACEHOLDERS = {
    "RAW_URI": "s3://CHANGE-ME-raw-bucket/raw",
    "CURATED_URI": "s3://CHANGE-ME-lake-bucket/curated",
    "REPORTS_URI": "s3://CHANGE-ME-lake-bucket/reports",
    "QUARANTINE_URI": "s3://CHANGE-ME-lake-bucket/quarantine",
    "CATALOG": "glue",
}


def _skipped(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"} or path.name.startswith(".")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not _skipped(p.relative_to(root)))


def _copy_files(source: Path, target: Path) -> None:
    for path in _files(source):
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)


def _zip(target: Path, entries: list[tuple[str, Path]]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    os.replace(tmp, target)


def startup_script(env: dict[str, str]) -> str:
    """MWAA runs this on every component before Airflow starts; it is how the DAGs get their settings."""
    lines = [
        "#!/bin/sh",
        "# MWAA startup script (set as the environment's startup script): the pipeline's settings.",
        "# Replace every CHANGE-ME, or build with them set: RAW_URI=s3://… make mwaa-bundle",
        "# AWS_ENDPOINT_URL is left unset on purpose: on MWAA every client talks to AWS itself.",
    ]
    for name in MWAA_SETTINGS:
        default, description = config.SETTINGS[name]
        value = env.get(name) or MWAA_PLACEHOLDERS.get(name, default)
        lines.append(f"# {description}")
        lines.append(f"export {name}={shlex.quote(value)}")
    lines.append("# The bundle ships the SQL under the DAGs folder.")
    lines.append('export SQL_DIR="${AIRFLOW_HOME:-/usr/local/airflow}/dags/include/sql"')
    return "\n".join(lines) + "\n"


def build_mwaa(out: Path, env: dict[str, str]) -> Path:
    if out.exists():
        shutil.rmtree(out)
    dags = out / "dags"
    _copy_files(REPO / "dags", dags)
    _copy_files(REPO / "include" / "sql", dags / "include" / "sql")
    # The DAG processor has no business walking the SQL folder.
    (dags / ".airflowignore").write_text("include/\n")
    package = REPO / "plugins" / "telegram_pipeline"
    # The development tools (demo, simulator, local server) and their commands have no business on MWAA;
    # every module left in the zip imports there (tests/system/test_mwaa_install.py imports each one).
    entries = [
        (f"telegram_pipeline/{p.relative_to(package).as_posix()}", p)
        for p in _files(package)
        if p.relative_to(package).parts[0] != "dev" and p.relative_to(package).as_posix() not in DEV_ONLY
    ]
    # MWAA unzips plugins.zip into the plugins folder, where Airflow would run every .py as a plugin.
    entries.append((".airflowignore", REPO / "plugins" / ".airflowignore"))
    _zip(out / "plugins.zip", entries)
    shutil.copyfile(REPO / "requirements.txt", out / "requirements.txt")
    (out / "startup.sh").write_text(startup_script(env))
    (out / "startup.sh").chmod(0o755)
    return out


def build_lambda(out: Path) -> Path:
    """handler.py at the root, with the standard-library rules it shares with the package
    (``telegram_pipeline/rules/``, and the package's one-line ``__init__``) beside it."""
    package = REPO / "plugins" / "telegram_pipeline"
    rules = [(f"telegram_pipeline/rules/{p.name}", p) for p in _files(package / "rules")]
    _zip(
        out,
        [
            ("handler.py", REPO / "lambda" / "handler.py"),
            ("telegram_pipeline/__init__.py", package / "__init__.py"),
            *rules,
        ],
    )
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"mwaa", "lambda"}:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    if argv[0] == "mwaa":
        out = build_mwaa(Path(argv[1]) if len(argv) > 1 else REPO / "dist" / "mwaa", dict(os.environ))
        print(f"built {out}: " + ", ".join(sorted(p.name for p in out.iterdir())))
        print(
            "upload: aws s3 sync dags/ s3://YOUR-MWAA-BUCKET/dags/ and aws s3 cp plugins.zip, requirements.txt, startup.sh to the bucket's root"
        )
    else:
        out = build_lambda(Path(argv[1]) if len(argv) > 1 else REPO / "dist" / "lambda.zip")
        print(
            f"built {out} ({out.stat().st_size} bytes): handler.py for the python3.12 runtime, handler lambda_handler"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
