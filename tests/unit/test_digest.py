"""The digest's settings (tests/integration/test_digest.py: the digest end to end against the Bot API
stand-in)."""

from __future__ import annotations

import pytest
from telegram_pipeline import config

from tests.support.digest_groups import ADMIN_CHAT, GROUP, LAST, OTHER_GROUP, run


def test_settings_errors(monkeypatch, capsys):
    monkeypatch.setenv("DIGEST_CHAT_IDS", "")
    code, _, err = run(capsys, "--date", LAST.isoformat())
    assert code == 2 and "DIGEST_CHAT_IDS is empty" in err
    monkeypatch.setenv("DIGEST_CHAT_IDS", f"{GROUP}:admins")
    code, _, err = run(capsys, "--date", LAST.isoformat())
    assert code == 2 and "'-1001111111111:admins' is not group_id or group_id:target" in err
    monkeypatch.setenv("DIGEST_CHAT_IDS", str(GROUP))
    code, _, err = run(capsys, "--date", "15/03/2026")
    assert code == 2 and "'15/03/2026' is not a date (YYYY-MM-DD)" in err
    code, _, err = run(capsys, "--date", LAST.isoformat(), "--days", "0")
    assert code == 2 and "--days must be 1 or more" in err


def test_digest_targets_setting():
    parsed = config.digest_targets(f"{GROUP}, {OTHER_GROUP}:{ADMIN_CHAT} ,-1003:@news_channel")
    assert parsed == (
        config.DigestTarget(GROUP, GROUP),
        config.DigestTarget(OTHER_GROUP, ADMIN_CHAT),
        config.DigestTarget(-1003, "@news_channel"),
    )
    with pytest.raises(ValueError, match="listed twice"):
        config.digest_targets(f"{GROUP},{GROUP}:{ADMIN_CHAT}")
    assert config.Settings.from_env({}).digest_schedule == "0 9 * * 1"
