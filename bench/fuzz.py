"""``make fuzz``: the update parser and the webhook handler under hostile input, for a bounded time.

Two phases sharing the time budget:
1. byte-level mutation of the real Telegram updates in ../shared/fixtures (bit flips, cut, spliced,
   repeated and inserted bytes, numbers swapped for huge ones), fed to ``parse.parse`` + the Parquet
   writer and to the handler: parse either gives a row the table can hold or raises BadUpdate; the
   handler never answers 5xx and stores exactly the bytes it acknowledged;
2. the hypothesis properties of tests/integration/test_properties.py with RELIABILITY_EXAMPLES_SCALE examples
   per property, round after round with a new seed, until the time is up.

Exit 1 on the first failure, with the input that caused it. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from telegram_pipeline.lake import layout

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "plugins"), str(REPO / "lambda")]

SECRET = "fuzz-secret"
CHAT_ID = -1001234567890
HUGE = [b"99999999999999999999999", b"-9223372036854775809", b"1e400", b"NaN", b"-0", b"18446744073709551616"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        choice = rng.randrange(8)
        position = rng.randrange(len(buf) + 1)
        if choice == 0 and buf:
            buf[min(position, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1:
            del buf[position : position + rng.randint(1, 16)]
        elif choice == 2:
            buf[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif choice == 3 and buf:
            start = rng.randrange(len(buf))
            buf[position:position] = buf[start : start + rng.randint(1, 64)] * rng.randint(1, 50)
        elif choice == 4:
            digits = [i for i, b in enumerate(buf) if 48 <= b <= 57]
            if digits:
                at = rng.choice(digits)
                buf[at : at + 1] = rng.choice(HUGE)
        elif choice == 5:
            buf = buf[:position]
        elif choice == 6:
            buf[position:position] = rng.choice(
                [b"[", b"{", b'"', b"\\", b"\\ud800", b"\xff", b"\xc3", b"\x00"]
            ) * rng.randint(1, 3000)
        else:
            tokens = [b"null", b"true", b"[]", b"{}", b'""', b"0", b"-1", b"1.5", b'"x"']
            buf[position:position] = rng.choice(tokens)
    return bytes(buf)


def mutation_phase(seconds: float, seed: int) -> dict:
    import handler
    from telegram_pipeline.lake import consolidate, parse

    from tests.support.webhook_events import MemoryStore, event

    seeds = [p.read_bytes() for p in sorted((REPO.parent / "shared" / "fixtures" / "telegram").glob("*.json"))]
    settings = {
        "WEBHOOK_SECRET": SECRET,
        "ALLOWED_CHAT_IDS": str(CHAT_ID),
        "RAW_URI": tempfile.mkdtemp(),
        "TIMEZONE": "UTC",
    }
    rng = random.Random(seed)
    counts = {"inputs": 0, "rows": 0, "bad_updates": 0, "stored": 0, "statuses": {}}
    deadline = time.monotonic() + seconds
    with open(os.devnull, "w") as devnull:  # the handler's log lines, one per request
        while time.monotonic() < deadline:
            data = mutate(rng.choice(seeds), rng)
            counts["inputs"] += 1
            try:
                row = parse.parse(data)
                layout.parquet_bytes(consolidate.to_table([row]))
                counts["rows"] += 1
            except parse.BadUpdate:
                counts["bad_updates"] += 1
            except Exception:
                return {**counts, "failure": "parse", "input": data.decode("latin-1"), "error": traceback.format_exc()}
            store = MemoryStore()
            with contextlib.redirect_stdout(devnull):
                answer = handler.handle(
                    event(data, token=SECRET, base64_body=rng.random() < 0.5), store=store, env=settings
                )
            status = answer["statusCode"]
            counts["statuses"][status] = counts["statuses"].get(status, 0) + 1
            stored_ok = all(value == data for value in store.objects.values())
            if status >= 500 or not stored_ok or (status != 200 and store.puts):
                return {**counts, "failure": "handler", "input": data.decode("latin-1"), "answer": answer}
            counts["stored"] += len(store.objects)
    return counts


def hypothesis_phase(seconds: float, scale: int, seed: int) -> dict:
    deadline = time.monotonic() + seconds
    rounds, rng = 0, random.Random(seed)
    env = dict(os.environ, RELIABILITY_EXAMPLES_SCALE=str(scale), PYTHONPATH=str(REPO / "plugins"))
    while (remaining := deadline - time.monotonic()) > 5:
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(REPO / "tests" / "integration" / "test_properties.py"),
            "-q",
            "-x",
            "-p",
            "no:randomly",
        ]
        command += [f"--hypothesis-seed={rng.randrange(2**32)}", "-o", "timeout=0"]
        try:
            done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=remaining)
        except subprocess.TimeoutExpired:
            break  # the time is up in the middle of a round: what ran of it passed
        rounds += 1
        if done.returncode != 0:
            return {"rounds": rounds, "failure": "property", "output": done.stdout[-6000:] + done.stderr[-2000:]}
    return {"rounds_completed": rounds, "examples_per_property_per_round": f"{scale} x the make-test count"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("FUZZ_MINUTES", "5")))
    parser.add_argument("--scale", type=int, default=20, help="hypothesis examples = scale x the make-test count")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args(argv)
    budget = args.minutes * 60
    print(f"fuzzing for {args.minutes:g} min (seed {args.seed})", file=sys.stderr, flush=True)
    started = time.monotonic()
    mutation = mutation_phase(budget * 0.4, args.seed)
    result = {"bench": "fuzz", "seed": args.seed, "mutation": mutation}
    if "failure" not in mutation:
        result["hypothesis"] = hypothesis_phase(budget - (time.monotonic() - started), args.scale, args.seed)
    result["seconds"] = round(time.monotonic() - started, 1)
    failed = "failure" in mutation or "failure" in result.get("hypothesis", {})
    if failed:
        print(json.dumps(result, indent=2, default=str)[:20000], file=sys.stderr)
    print(json.dumps(result | {"ok": not failed}, default=str)[:4000])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
