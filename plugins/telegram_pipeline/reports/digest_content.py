"""What the digest says: one message in Telegram's HTML (every name escaped, within Telegram's 4,096
characters) and one PNG chart, from a group's ``Summary`` and report tables. No I/O, no Bot API here:
``delivery/digest_posts.py`` sends them.

The chart reuses the report page's own SVG charts (``reports/html.py``) and is rendered by
vl-convert's resvg, which brings its own fonts: nothing says an MWAA worker has any, and a renderer
that looks only for system fonts draws a chart without a single label on a machine without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from html import escape
from typing import Any
from unicodedata import bidirectional

from telegram_pipeline.reports import html
from telegram_pipeline.reports.summary import Summary, counted, duration

MESSAGE_LIMIT = 4096  # Telegram's, for a message's text
# Longest name or keyword shown, and how many posters and keywords, tried in turn until the message
# fits: Telegram allows names of 128 characters, and each "&" of one takes five once escaped.
FITS = ((64, 5, 10), (40, 5, 10), (24, 5, 6), (16, 3, 3), (12, 3, 0))
CHART_WIDTH = 1080
CHART_FONT = "Liberation Sans"  # one of vl-convert's own fonts, so the chart looks the same everywhere


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def period_text(first: date, last: date) -> str:
    if first == last:
        return f"{last.day} {last:%b %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def _short(text: str | None, size: int) -> str:
    """What the group wrote (a name, a keyword, a topic), on one line, shortened and escaped; isolated
    where it is written right to left, as the page's ``<bdi>`` isolates it: Telegram lays a line out
    by its first letter, so ``1. علی · 12`` would otherwise read right to left from its number on."""
    text = " ".join((text or "").split()) or "unknown"
    shown = escape(text if len(text) <= size else text[: size - 1] + "…", quote=False)
    return html.isolated(shown) if _right_to_left(text) else shown


def _right_to_left(text: str) -> bool:
    return not text.isascii() and any(bidirectional(char) in ("R", "AL") for char in text)


def _count(n: int, noun: str) -> str:
    return f"<b>{n:,}</b> {noun}{'' if n == 1 else 's'}"


def _change(now: int, before: int, change: float | None, days: int) -> str:
    """``change`` is Summary's (0.25 = 25 % more; None when there was nothing before)."""
    if change is None:
        return f" (none in the {days} days before)" if now else ""
    percent = round(100 * change)
    sign = "+" if percent > 0 else "−" if percent < 0 else "±"
    return f" ({sign}{abs(percent)}% vs {before:,} the {days} days before)"


def message(summary: Summary) -> str:
    """The digest's text (parse_mode HTML) of one group's ``Summary``."""
    for name_size, posters, keywords in FITS:
        text = _message(summary, name_size, posters, keywords)
        if utf16_len(text) <= MESSAGE_LIMIT:
            return text
    raise AssertionError("the shortest digest is longer than Telegram allows")  # FITS' last line cannot be


def _message(summary: Summary, name_size: int, posters: int, keywords: int) -> str:
    days = summary.days
    title = summary.title
    heading = (
        f"<b>{_short(title, name_size)}</b>: digest of " if title else f"<b>{summary.kind.capitalize()} digest</b>: "
    )
    lines = [
        f"📊 {heading}{period_text(summary.first, summary.last)}",
        f"{days} day{'s' if days > 1 else ''} · times in {escape(summary.timezone)}",
        "",
        "💬 "
        + _count(summary.messages, "message")
        + _change(summary.messages, summary.previous_messages, summary.messages_change, days),
        "👥 "
        + _count(summary.active_users, "active member")
        + _change(summary.active_users, summary.previous_active_users, summary.active_users_change, days),
        "👋 " + _count(summary.new_members, "new member"),
    ]
    if summary.top_posters[:posters]:
        lines += ["", "🏆 <b>Top posters</b>"]
        lines += [
            f"{i}. {_short(name, name_size)} · {count:,}"
            for i, (name, count) in enumerate(summary.top_posters[:posters], 1)
        ]
    if summary.top_keywords[:keywords]:
        lines += ["", "🔥 <b>Top keywords</b>"]
        lines.append(
            " · ".join(f"{_short(word, name_size)} ({count:,})" for word, count in summary.top_keywords[:keywords])
        )
    busiest = summary.busiest_topics[: keywords // 2]
    if busiest:  # forums only
        lines += ["", "🗂 <b>Busiest topics</b>"]
        lines.append(" · ".join(f"{_short(t.topic, name_size)} ({t.messages:,})" for t in busiest))
    if summary.commented_posts[:posters]:  # a channel's discussion groups only
        lines += ["", "📣 <b>Most discussed posts</b>"]
        lines += [
            f"{i}. “{_short(text, 2 * name_size)}” · {_count(comments, 'comment')}"
            for i, (text, comments) in enumerate(summary.commented_posts[:posters], 1)
        ]
    if summary.best_time:
        lines += ["", "⏰ " + escape(summary.best_time_sentence(), quote=False)]
    lines += _community_lines(summary, name_size)
    if not summary.messages:
        lines += ["", f"No messages in these {days} days."]
    lines += ["", "📎 The full report and a chart follow."]
    return "\n".join(lines)


def _community_lines(summary: Summary, name_size: int) -> list[str]:
    """Stickiness, questions, where new members came from, and the terms that took off on the last day."""
    lines = [""]
    if summary.stickiness is not None:
        lines.append(f"📅 Stickiness <b>{summary.stickiness:.0%}</b> (members active a day ÷ in 30 days)")
    if summary.questions_asked:
        wait = f" (median wait {duration(summary.median_answer_seconds)})" if summary.median_answer_seconds else ""
        lines.append(
            f"🙋 {_count(summary.questions_asked, 'question')} · {summary.questions_answered:,} answered{wait} · "
            f"<b>{summary.questions_unanswered:,}</b> without an answer within {summary.question_answer_hours} h"
            + (f" · {summary.questions_waiting:,} not answered yet" if summary.questions_waiting else "")
        )
    if summary.join_sources:
        came = " · ".join(f"{_short(source, name_size)} ({joins:,})" for source, joins in summary.join_sources)
        lines.append(f"🚪 New members came by: {came}")
    if summary.surges:
        lines += ["", f"📈 <b>Taking off</b> on {summary.last.day} {summary.last:%b}"]
        for surge in summary.surges:
            examples = " · ".join(f"“{_short(e, 2 * name_size)}”" for e in surge.examples)
            lines.append(
                f"{_short(surge.keyword, name_size)}: {surge.messages:,} messages, "
                f"{surge.daily_mean:.2f} a day before" + (f": {examples}" if examples else "")
            )
    return lines if len(lines) > 1 else []


def chart_svg(tables: Mapping[str, Any], summary: Summary) -> str:
    """One group's messages and active members per day, and its weekday × hour heatmap: the page's own charts,
    laid out for a phone screen, with the styles the page gives them written into the SVG."""
    volume = html.volume_chart(tables["daily_volume"].to_pylist())
    heatmap = html.heatmap(tables["activity_heatmap"].to_pylist())
    width, margin = CHART_WIDTH, 20
    inner = width - 2 * margin
    volume_h = round(inner * 260 / 1040)
    heat_h = round(inner * (20 + 7 * 41 + 34) / (44 + 24 * 41))
    top = 112
    height = top + volume_h + 48 + heat_h + margin
    heading = escape(summary.name, quote=False)
    period = f"{period_text(summary.first, summary.last)} · {counted(summary.messages, 'message')} · times in {summary.timezone}"
    style = (
        f"text {{ font-family: '{CHART_FONT}'; font-size: 12px; fill: #1d2433; }} "
        ".muted { fill: #6b7385; } .title { font-size: 26px; font-weight: bold; } .sub { font-size: 16px; fill: #6b7385; }"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<style>{style}</style>"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
        f'<text x="{margin}" y="40" class="title">{heading}</text>'
        f'<text x="{margin}" y="66" class="sub">{escape(period, quote=False)}</text>'
        f'<text x="{margin}" y="{top}" class="sub">Messages and active members per day</text>'
        + _placed(volume, margin, top + 12, inner, volume_h)
        + f'<text x="{margin}" y="{top + volume_h + 40}" class="sub">When members post (weekday × hour)</text>'
        + _placed(heatmap, margin, top + volume_h + 48, inner, heat_h)
        + "</svg>"
    )


def _placed(svg: str, x: int, y: int, width: int, height: int) -> str:
    return svg.replace("<svg ", f'<svg x="{x}" y="{y}" width="{width}" height="{height}" ', 1)


def chart_png(tables: Mapping[str, Any], summary: Summary) -> bytes:
    import vl_convert

    return vl_convert.svg_to_png(chart_svg(tables, summary))
