"""What must never reach a log line or an answer (the secret, its near misses, the message text),
and the checks that it did not."""

from __future__ import annotations

import base64
import json

from tests.support.webhook_events import SECRET, update

TEXT = "PRIVATE message body 4c1e: meet at Rua Secreta 42"
CAPTION = "PRIVATE caption 9b7d"
NEAR_MISSES = [SECRET[:-1], SECRET + "x", SECRET.upper(), SECRET[1:], f" {SECRET}"]


def update_body(update_id: int, text: str = TEXT) -> bytes:
    return json.dumps(update(update_id, text=text), ensure_ascii=False).encode()


def assert_nothing_leaked(text: str) -> None:
    for needle in [SECRET, *NEAR_MISSES[:2], TEXT, CAPTION, "Rua Secreta"]:
        assert needle not in text, f"{needle!r} leaked into the output"
        assert base64.b64encode(needle.encode()).decode() not in text


def assert_json_lines_and_nothing_leaked(answers: list[dict], capfd, caplog) -> None:
    out, err = capfd.readouterr()
    lines = out.splitlines()
    assert len(lines) >= len(answers)  # one JSON line per request at least
    for line in lines:
        if line.startswith("{"):
            json.loads(line)
    assert_nothing_leaked(out + err + caplog.text + "".join(json.dumps(a) for a in answers))
