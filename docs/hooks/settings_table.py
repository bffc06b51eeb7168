"""MkDocs hook: the Configuration page's table of settings, rendered from ``config.SETTINGS`` at build time,
so the page can never disagree with the code. The page holds ``<!-- settings-table -->`` where it goes."""

from __future__ import annotations

import sys
from pathlib import Path

MARKER = "<!-- settings-table -->"
PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def settings_table() -> str:
    if str(PLUGINS) not in sys.path:
        sys.path.insert(0, str(PLUGINS))
    from telegram_pipeline import config

    lake = str(config.DEFAULT_LAKE)
    rows = ["| variable | default | what it is |", "|---|---|---|"]
    for name, (default, description) in config.SETTINGS.items():
        # The local lake's default is an absolute path of the checkout: show it as the user sees it.
        shown = f"`./data{default.removeprefix(lake)}`" if default.startswith(lake) else f"`{default}`"
        rows.append(f"| `{name}` | {shown if default else '—'} | {description} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri != "configuration.md":
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"configuration.md lost its {MARKER} line: the settings table has nowhere to go")
    return markdown.replace(MARKER, settings_table())
