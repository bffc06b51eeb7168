"""`make demo`, shortened to three days: webhook, simulator, the real DAGs, the headline; then again,
with the same results."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from tests.support.paths import REPO

pytestmark = pytest.mark.timeout(420)


def run_demo(lake, home) -> str:
    command = [
        sys.executable,
        "-m",
        "telegram_pipeline.dev.demo",
        "--days",
        "3",
        "--seed",
        "11",
        "--lake",
        str(lake),
        "--airflow-home",
        str(home),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env["PYTHONPATH"] = str(REPO / "plugins")
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def without_timings(output: str) -> str:
    output = re.sub(r"\d+\.\d s", "T s", output)
    output = re.sub(r"demo took \d+ s", "demo took T s", output)
    output = re.sub(r"(127\.0\.0\.1|gateway on ):\d+", r"\1:PORT", output)
    return output.replace("   migrated\n", "").replace("   already migrated\n", "")


def test_demo_end_to_end_twice(tmp_path):
    lake, home = tmp_path / "lake", tmp_path / "airflow-home"
    first = run_demo(lake, home)
    assert "3 days from 2026-11-02" in first
    assert re.search(
        r"sent (\d+) updates .*: \1 answered 200, [1-9]\d* got a 503 first and were retried .* 0 lost", first
    ), first
    assert "other chats dropped, the redelivery stored once" in first
    for day in ("2026-11-02", "2026-11-03", "2026-11-04"):
        assert re.search(rf"telegram_consolidate {day} \(\w+\): success \[3 success\]", first), first
    assert re.search(r"telegram_reports 2026-11-02 \.\. 2026-11-04: success", first), first
    assert "every sender's count in every group equals what the simulator sent" in first
    assert "Grupo de Corrida SP (-1001234567890)" in first
    assert "Trilhas e Montanhas SP (-1002345678901, formerly the basic group -4012345678)" in first
    for label in ("top posters:  Ana Souza", "top keywords: ", "busiest:      ", "Best time to post: "):
        assert label in first
    pages = re.findall(r"page: +(\S+)", first)
    assert len(pages) == 2 and all(os.path.getsize(page) > 10_000 for page in pages)
    indexes = re.findall(r"HTML reports of .*: (\S+)", first)
    assert len(indexes) == 2 and all(os.path.getsize(index) > 2_000 for index in indexes)
    assert re.search(r"group -1001234567890 \(into the group\): posted \(message 101, document 102, photo 103\)", first)
    assert re.search(r"group -1002345678901 → chat -4098765432: posted \(message 101, document 102, photo 103\)", first)
    assert "Grupo de Corrida SP: digest of 2–4 Nov 2026" in first and "1. Ana Souza · " in first
    assert "Trilhas e Montanhas SP: digest of 2–4 Nov 2026" in first
    top_posters = lake / "reports" / "top_posters" / "context_date=2026-11-04" / "window=30d" / "data.parquet"
    before = pq.read_table(top_posters)

    second = run_demo(lake, home)
    assert "already migrated" in second
    assert without_timings(second) == without_timings(first)
    assert pq.read_table(top_posters).equals(before)
    raw_days = sorted(p.name for p in (lake / "raw").iterdir() if p.name.startswith("context_date="))
    assert raw_days == ["context_date=2026-11-02", "context_date=2026-11-03", "context_date=2026-11-04"]
