"""``serve`` and ``simulate``: the development tools (the local webhook server, the simulated group).
They live in ``telegram_pipeline.dev``, which the MWAA bundle leaves out."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
import time

from telegram_pipeline import config
from telegram_pipeline.cli import day_argument
from telegram_pipeline.dev import server
from telegram_pipeline.dev import simulate as simulation_tool


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=server.DEFAULT_PORT, help=f"port (default {server.DEFAULT_PORT}; 0 picks one)"
    )


def serve(args: argparse.Namespace) -> int:
    settings = config.load()  # fails early, with the setting's name, on a bad value
    httpd = server.make_server(args.host, args.port)
    host, port = httpd.server_address[:2]
    if not (settings.webhook_secret or settings.webhook_secret_param):
        print("warning: no WEBHOOK_SECRET: every request will be refused", file=sys.stderr)
    if not settings.allowed_chat_ids:
        print("warning: ALLOWED_CHAT_IDS is empty: every update will be dropped", file=sys.stderr)
    print(f"webhook listening on http://{host}:{port}/ -> {settings.raw_uri}", file=sys.stderr, flush=True)

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)  # `docker stop` and process managers stop it cleanly
        # A shell starts background jobs with SIGINT ignored, and Python keeps it so: restore Ctrl-C.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    print("webhook server stopped", file=sys.stderr)
    return 0


def simulate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=7, help="same seed, same traffic (default 7)")
    parser.add_argument("--days", type=int, default=14, help="days of traffic (default 14)")
    parser.add_argument(
        "--start",
        type=day_argument,
        default=dt.date.fromisoformat(simulation_tool.DEFAULT_START),
        help=f"first day, YYYY-MM-DD (default {simulation_tool.DEFAULT_START})",
    )
    parser.add_argument(
        "--chat-id",
        type=int,
        help=f"the group's chat id (default: the first of ALLOWED_CHAT_IDS, else {simulation_tool.DEFAULT_CHAT_ID})",
    )
    parser.add_argument("--timezone", help="the group's time zone for its daily rhythm (default: TIMEZONE)")
    parser.add_argument(
        "--second-group",
        action="store_true",
        help=f"a hiking group too, a basic group ({simulation_tool.HIKING_CHAT['id']}) that becomes a supergroup "
        f"({simulation_tool.HIKING_SUPERGROUP['id']}) halfway",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="webhook URL to POST every update to, e.g. http://127.0.0.1:8081/")
    target.add_argument("--out", help="write the updates as JSON files into this folder instead of sending them")
    parser.add_argument("--secret", help="X-Telegram-Bot-Api-Secret-Token to send (default: WEBHOOK_SECRET)")
    parser.add_argument("--concurrency", type=int, default=8, help="updates in flight at once (default 8)")


def simulate(args: argparse.Namespace) -> int:
    settings = config.load()
    chat_id = args.chat_id or (
        min(settings.allowed_chat_ids) if settings.allowed_chat_ids else simulation_tool.DEFAULT_CHAT_ID
    )
    simulation = simulation_tool.generate(
        args.seed, args.start, args.days, chat_id, args.timezone or settings.timezone, second_group=args.second_group
    )
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(simulation.kinds.items()))
    print(
        f"simulated {len(simulation.deliveries)} deliveries over {args.days} days from {args.start} for chat {chat_id}: {kinds}"
    )
    for group in simulation.groups.values():
        print(
            f"messages sent in {group.title} ({group.chat_id}, bots left out): {group.messages}; top posters: "
            + ", ".join(f"{name} {count}" for name, count in group.top_posters(3))
        )
    if args.out:
        print(f"wrote {simulation_tool.write(simulation.deliveries, args.out)} files to {args.out}")
        return 0
    secret = args.secret if args.secret is not None else settings.webhook_secret
    if not secret:
        raise ValueError("no secret: pass --secret or set WEBHOOK_SECRET (the webhook refuses requests without it)")
    started = time.monotonic()
    result = simulation_tool.send(simulation.deliveries, args.url, secret, concurrency=args.concurrency)
    elapsed = time.monotonic() - started
    statuses = ", ".join(f"{status or 'no answer'}: {count}" for status, count in sorted(result.statuses.items()))
    print(
        f"sent {len(simulation.deliveries)} updates to {args.url} in {elapsed:.1f} s: {result.delivered} accepted, {result.rejected} refused, {result.failed} failed, {result.retries} retries ({statuses})"
    )
    if result.failed:
        print(
            f"error: {result.failed} updates were never accepted; is the server running at {args.url}?", file=sys.stderr
        )
        return 1
    return 0
