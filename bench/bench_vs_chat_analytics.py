"""This project's documented path beside chat-analytics, on the same generated Telegram Desktop export.

chat-analytics (npm ``chat-analytics``, a CLI that turns an export into one HTML report in one Node
process) is installed from npm into a temporary folder. For each size an export is generated
(``generated_export.py``: texts with entities, media, replies, edits, forwards, reactions, joins and
other service messages), then both paths run on it, one after the other, each step as a whole
process timed from start to exit with its peak memory (``measure.run_measured``):

- chat-analytics: ``chat-analytics -p telegram -i result.json -o report.html``;
- this project: its documented path, one process (a local lake):
  ``import-export result.json --report DIR`` (the import, then the imported range consolidated in a
  process of its own, checked, registered, then its reports); ``--also DIR --also-steps`` times another
  checkout's three commands beside it: ``import-export``, ``consolidate --date FIRST --to LAST``,
  ``report --from --to``, each a process.

Target: this project's whole path in at most half of chat-analytics' time, every step under 1 GiB.

    .venv/bin/python bench/bench_vs_chat_analytics.py [--sizes 100000,1000000] [--repeat 1] [--also DIR --also-steps]

Last line: {"bench": "vs_chat_analytics", "results": [...]}.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import Measured, run_measured

REPO = Path(__file__).resolve().parents[1]
PEER = "chat-analytics@1.1.2"
MEMORY_TARGET_MIB = 1024
TIME_TARGET_SHARE = 0.5
TIMEZONE = "America/Sao_Paulo"
# What the import prints of the days: "days: 113, from FIRST to LAST (TIMEZONE)".
DAYS_IMPORTED = re.compile(r"days: [\d,]+, from (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})")


class StepFailed(RuntimeError):
    pass


def install_peer(folder: Path) -> Path:
    """chat-analytics from npm into ``folder``; the path of its command."""
    npm = shutil.which("npm")
    if npm is None:
        raise StepFailed("npm is not on PATH: chat-analytics (the peer) needs Node.js and npm")
    subprocess.run(
        [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--loglevel=error", PEER],
        check=True,
        capture_output=True,
        text=True,
    )
    return folder / "node_modules" / ".bin" / "chat-analytics"


def checked(step: str, measured: Measured) -> Measured:
    if measured.returncode != 0:
        tail = " | ".join((measured.stderr or measured.stdout).strip().splitlines()[-3:])
        raise StepFailed(f"{step} exited {measured.returncode}: {tail}")
    return measured


def run_peer(command: Path, export: Path, work: Path) -> dict:
    out = work / "chat-analytics.html"
    measured = checked(
        "chat-analytics", run_measured([str(command), "-p", "telegram", "-i", str(export), "-o", str(out)], cwd=work)
    )
    counted = re.search(r"\[\*\] (\d+) messages", measured.stdout)
    return {
        "steps": {"chat-analytics": measured},
        "messages": int(counted.group(1)) if counted else None,
    }


def lake_env(lake: Path, plugins: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TIMEZONE": TIMEZONE,
        "RAW_URI": str(lake / "raw"),
        "CURATED_URI": str(lake / "curated"),
        "REPORTS_URI": str(lake / "reports"),
        "QUARANTINE_URI": str(lake / "quarantine"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")])),
    }
    env.pop("PSEUDONYMIZE_KEY", None)
    return env


def compile_bytecode(plugins: Path) -> None:
    """The package's bytecode written, as pip writes it on install: where PYTHONDONTWRITEBYTECODE is set
    (this machine), every process of the path would otherwise compile the package again."""
    import compileall

    compileall.compile_dir(plugins, quiet=1)


def run_ours(export: Path, work: Path, plugins: Path = REPO / "plugins", steps: bool = False) -> dict:
    """The documented path, one process: the import, its days consolidated, their reports (with the
    package in ``plugins``: this checkout's, or another's to compare); with ``steps``, the three commands
    each a process of its own."""
    lake = work / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    env = lake_env(lake, plugins)
    cli = [sys.executable, "-m", "telegram_pipeline"]
    out = work / "report"
    if not steps:
        measured = checked(
            "import-export --report",
            run_measured([*cli, "import-export", str(export), "--quiet", "--report", str(out)], env),
        )
        timed = {"import-export --report": measured}
        printed = measured.stdout
    else:
        timed = {
            "import-export": checked(
                "import-export", run_measured([*cli, "import-export", str(export), "--quiet"], env)
            )
        }
        printed = timed["import-export"].stdout
    found = DAYS_IMPORTED.search(printed)
    if not found:
        raise StepFailed(f"import-export printed no range of days: {printed[-300:]}")
    first, last = found.groups()
    if steps:
        timed["consolidate"] = checked(
            "consolidate", run_measured([*cli, "consolidate", "--date", first, "--to", last], env)
        )
        timed["report"] = checked(
            "report", run_measured([*cli, "report", "--from", first, "--to", last, "--out", str(out)], env)
        )
        printed = timed["report"].stdout
    counted = re.search(r"([\d,]+) messages from", printed)
    return {
        "steps": timed,
        "messages": int(counted.group(1).replace(",", "")) if counted else None,
        "days": (first, last),
    }


def generate_export(path: Path, messages: int) -> int:
    """The export, written by a process of its own (this one stays small: see run_measured)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("generated_export.py")), str(path), str(messages)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip())


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda run: sum(m.seconds for m in run["steps"].values()))


def metric(name: str, value, unit: str, target: str = "", ok=None) -> dict:
    return {"metric": name, "value": value, "unit": unit, "target": target, "ok": ok}


def size_results(label: str, peer: dict, ours: dict) -> list[dict]:
    peer_seconds = sum(m.seconds for m in peer["steps"].values())
    our_seconds = sum(m.seconds for m in ours["steps"].values())
    share = our_seconds / peer_seconds
    results = [
        metric(f"chat-analytics ({label})", round(peer_seconds, 2), "s"),
        metric(f"chat-analytics CPU ({label})", round(peer["steps"]["chat-analytics"].cpu_seconds, 2), "s"),
        metric(f"chat-analytics peak RSS ({label})", round(peer["steps"]["chat-analytics"].peak_rss_mib), "MiB"),
        metric(f"this project, whole path ({label})", round(our_seconds, 2), "s"),
        metric(f"this project, CPU ({label})", round(sum(m.cpu_seconds for m in ours["steps"].values()), 2), "s"),
    ]
    for step, measured in ours["steps"].items():
        results += [
            metric(f"  {step} ({label})", round(measured.seconds, 2), "s"),
            metric(f"  {step} CPU ({label})", round(measured.cpu_seconds, 2), "s"),
            metric(
                f"  {step} peak RSS ({label})",
                round(measured.peak_rss_mib),
                "MiB",
                f"< {MEMORY_TARGET_MIB}",
                measured.peak_rss_mib < MEMORY_TARGET_MIB,
            ),
        ]
    results.append(
        metric(
            f"this project / chat-analytics ({label})",
            round(share, 3),
            "",
            f"<= {TIME_TARGET_SHARE}",
            share <= TIME_TARGET_SHARE,
        )
    )
    return results


def describe(label: str, size_mib: float, peer: dict, ours: dict) -> str:
    steps = ", ".join(
        f"{step} {m.seconds:.1f} s ({m.cpu_seconds:.1f} s CPU) / {m.peak_rss_mib:,.0f} MiB"
        for step, m in ours["steps"].items()
    )
    peer_step = peer["steps"]["chat-analytics"]
    our_seconds = sum(m.seconds for m in ours["steps"].values())
    return (
        f"{label} messages ({size_mib:,.0f} MiB export; chat-analytics counted {peer['messages']}, the report "
        f"{ours['messages']}, days {ours['days'][0]} .. {ours['days'][1]}): chat-analytics {peer_step.seconds:.1f} s "
        f"({peer_step.cpu_seconds:.1f} s CPU) / {peer_step.peak_rss_mib:,.0f} MiB; this project {our_seconds:.1f} s "
        f"({steps}); ratio {our_seconds / peer_step.seconds:.2f}; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated message counts")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of both paths per size; the fastest of each is kept"
    )
    parser.add_argument("--keep", help="keep the exports, lakes and reports in this folder")
    parser.add_argument(
        "--also", type=Path, help="the plugins folder of another checkout: its path timed too, in the same run"
    )
    parser.add_argument(
        "--also-steps",
        action="store_true",
        help="with --also: time that checkout's three commands (import-export, consolidate, report), each a process",
    )
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-vs-chat-analytics-") as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        try:
            command = install_peer(Path(tmp) / "peer")
            for plugins in filter(None, (REPO / "plugins", args.also)):
                compile_bytecode(plugins)
        except (StepFailed, subprocess.CalledProcessError) as exc:
            print(json.dumps({"bench": "vs_chat_analytics", "results": [metric("(did not run)", str(exc), "")]}))
            return 1
        for size in (int(s) for s in args.sizes.split(",")):
            work = root / f"{size}"
            work.mkdir(parents=True, exist_ok=True)
            export = work / "result.json"
            size_mib = generate_export(export, size) / 2**20
            label = f"{size:,}"
            peers, ours, others = [], [], []
            for _ in range(args.repeat):
                peers.append(run_peer(command, export, work))
                ours.append(run_ours(export, work))
                if args.also:
                    others.append(run_ours(export, work, args.also, steps=args.also_steps))
            peer, our = best(peers), best(ours)
            print(describe(label, size_mib, peer, our), file=sys.stderr, flush=True)
            results += [metric(f"export size ({label})", round(size_mib, 1), "MiB"), *size_results(label, peer, our)]
            if others:
                print(f"  {args.also}: " + describe(label, size_mib, peer, best(others)), file=sys.stderr, flush=True)
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"bench": "vs_chat_analytics", "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
