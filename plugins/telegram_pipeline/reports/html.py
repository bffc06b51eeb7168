"""``report.html``: one self-contained page (inline CSS and SVG, no script, no CDN) that opens
offline and reads well on a laptop or a phone, one per group: headline figures and how they changed,
the best time to post, top posters, the topics (with two example messages under each) and the
languages the group writes, the weekday × hour heatmap, the volume over time, the
posts people react to, who answers whom, who starts conversations, members who come and go, the kinds
of content and the emoji; for a forum, its topics, busy and quiet; the community's health: daily,
weekly and monthly active members, weekly cohorts, where new members come from, questions and who
answers them, the sites and channels shared, and the terms that surge; and an index of the groups
linking their pages.

Every chart is an ``<svg data-chart="...">``; every bar or cell carries ``data-value`` and a
``<title>`` tooltip, so the page can be checked by a browser test and read by screen readers. What the
group wrote (names, titles, texts, keywords) is isolated from the page's own text, so that a name
written right to left keeps its place: ``<bdi>`` in HTML, the Unicode isolates FSI…PDI in SVG labels.
A group's page is in the language most of its messages were written in (``lang``: what a browser picks
fonts, hyphenation and a screen reader's voice by); the page's own words, in English, say so where they
stand alone (headings, notes, sentences, the footer).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from telegram_pipeline.lake.parse import CUSTOM_EMOJI
from telegram_pipeline.reports.summary import chats_counted, counted, duration, names_of, top_starters

WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOP_POSTERS_SHOWN = 15
KEYWORDS_SHOWN = 25
TOPICS_WITH_EXAMPLES = 10
EXAMPLE_CHARACTERS = 220
ACCENT = "#2a6df4"
HASHTAG = "#8a4bd6"
PHRASE = "#1f9d8a"
# Names of the languages most groups write (ISO 639-1); any other is shown by its code.
LANGUAGE_NAMES = {
    "ar": "Arabic", "bn": "Bengali", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "fa": "Persian", "fr": "French", "he": "Hebrew", "hi": "Hindi", "id": "Indonesian", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "ms": "Malay", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese",
    "ru": "Russian", "si": "Sinhala", "sw": "Swahili", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
# The page's own words (headings, notes, the sentences) are English, whatever the group writes.
OWN_WORDS = 'lang="en"'
HEAT_SCALE = ("#eef3fe", "#c9dafc", "#94b6f8", "#5a8cf2", "#2a6df4", "#1747b3", "#0b2a73")

CSS = """
:root { --ink:#1d2433; --muted:#6b7385; --line:#e4e8f0; --card:#ffffff; --bg:#f5f7fb; --accent:__ACCENT__; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: linear-gradient(120deg, #1747b3, #2a6df4 60%, #5a8cf2); color:#fff; padding:28px 32px 64px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:700; letter-spacing:-0.01em; }
header p { margin:0; opacity:.9; }
main { max-width:1120px; margin:-44px auto 40px; padding:0 20px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:14px; margin-bottom:18px; }
.kpi { background:var(--card); border-radius:12px; padding:16px 18px; box-shadow:0 1px 3px rgba(20,30,60,.08); }
.kpi .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.06em; }
.kpi .value { font-size:28px; font-weight:700; margin-top:2px; }
.kpi .note { color:var(--muted); font-size:13px; }
.grid { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
.card { background:var(--card); border-radius:12px; padding:18px 20px 14px; box-shadow:0 1px 3px rgba(20,30,60,.08); }
.card.wide { grid-column:1 / -1; }
.card h2 { margin:0 0 2px; font-size:17px; }
.card .sub { margin:0 0 12px; color:var(--muted); font-size:13px; }
svg { display:block; width:100%; height:auto; font-family:inherit; }
svg text { fill:var(--ink); font-size:12px; }
svg .muted { fill:var(--muted); }
.chips { display:flex; flex-wrap:wrap; gap:8px; margin-top:10px; }
.chip { border:1px solid var(--line); border-radius:999px; padding:3px 10px; font-size:13px; }
.chip b { color:var(--accent); }
.chip.zero { color:var(--muted); }
.chip.zero b { color:var(--muted); }
.empty { color:var(--muted); padding:24px 0; text-align:center; }
.topics { list-style:none; margin:0; padding:0; display:grid; grid-template-columns:1fr 1fr; gap:10px 22px; }
.topic h3 { margin:0 0 4px; font-size:15px; }
.topic h3 .note { color:var(--muted); font-weight:400; font-size:13px; }
.topic blockquote { margin:0 0 6px; padding:4px 10px; border-left:3px solid var(--line); font-size:13px; }
.topic blockquote .who { color:var(--muted); font-size:12px; }
.topic blockquote a { color:var(--accent); text-decoration:none; }
@media (max-width: 760px) { .topics { grid-template-columns:1fr; } }
.said { background:var(--card); border-radius:12px; padding:12px 18px; margin-bottom:18px; box-shadow:0 1px 3px rgba(20,30,60,.08); }
.said p { margin:4px 0; }
table.groups { width:100%; border-collapse:collapse; }
table.groups th, table.groups td { text-align:left; padding:10px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
table.groups .note, .kpi .note { color:var(--muted); font-size:13px; }
table.groups a { color:var(--accent); font-weight:600; text-decoration:none; }
table.groups tr.quiet td { color:var(--muted); }
.meter { background:var(--line); border-radius:4px; height:8px; min-width:80px; margin-top:6px; }
.meter span { display:block; height:8px; border-radius:4px; background:var(--accent); }
.examples { margin:4px 0 10px; padding-left:18px; color:var(--muted); font-size:13px; }
ol.questions { margin:8px 0 0; padding-left:20px; }
ol.questions li { margin:0 0 8px; }
ol.questions a { color:var(--accent); text-decoration:none; }
ol.questions .note, .figures .note { color:var(--muted); font-size:13px; }
.figures { display:flex; flex-wrap:wrap; gap:14px; margin:4px 0 12px; }
.figures div { min-width:80px; }
.figures b { display:block; font-size:22px; }
h2.section { max-width:1120px; margin:26px 0 12px; font-size:20px; }
footer { max-width:1120px; margin:0 auto 32px; padding:0 20px; color:var(--muted); font-size:12px; }
@media (max-width: 820px) { .grid { grid-template-columns:1fr; } }
""".replace("__ACCENT__", ACCENT)


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _count(n: int, one: str, many: str) -> str:
    return counted(n, one, many)


# Unicode's first-strong isolate and its end: what <bdi> does, in text that cannot hold markup (SVG labels).
FSI, PDI = "\u2068", "\u2069"


def isolated(text: str) -> str:
    return f"{FSI}{text}{PDI}"


def _bdi(text: str | None) -> str:
    """What the group wrote, escaped and isolated from the page's text around it."""
    return f"<bdi>{escape(text or '')}</bdi>"


def page_language(summary: Any) -> str:
    """The page's ``lang``: the language most of the group's messages of the range were written in
    (``Summary.language``, from the ``languages`` table), else English, the page's own words'."""
    return getattr(summary, "language", None) or "en"


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def _truncate(text: str | None, size: int) -> str:
    text = "(unknown)" if text is None else text  # a NULL the table allows must not break the page
    return text if len(text) <= size else text[: size - 1] + "…"


def bar_chart(
    chart: str,
    rows: list[tuple[str, float, str]],
    color: str | list[str],
    label_width: int = 170,
    width: int = 520,
    empty: str = "No messages in this range",
) -> str:
    """Horizontal bars: rows of (label, value, value text)."""
    if not rows:
        return f'<svg data-chart="{chart}" viewBox="0 0 {width} 60" role="img" aria-label="no data"><text x="{width / 2}" y="34" text-anchor="middle" class="muted">{escape(empty)}</text></svg>'
    bar_h, gap = 18, 8
    label_chars = int(label_width / 6.6)
    plot = width - label_width - 12 - 6.5 * max(len(text) for _, _, text in rows)
    top = max(v for _, v, _ in rows) or 1
    height = len(rows) * (bar_h + gap) + 4
    parts = [
        f'<svg data-chart="{chart}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(chart)} bar chart">'
    ]
    for i, (label, value, value_text) in enumerate(rows):
        y = i * (bar_h + gap) + 2
        w = max(2.0, plot * value / top) if value > 0 else 0
        fill = color[i] if isinstance(color, list) else color
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 13}" text-anchor="end">{escape(isolated(_truncate(label, label_chars)))}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="4" fill="{fill}" data-value="{value:g}">'
            f"<title>{escape(isolated(label or '(unknown)'))}: {escape(value_text)}</title></rect>"
            f'<text x="{label_width + w + 6:.1f}" y="{y + 13}" class="muted">{escape(value_text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def heatmap(cells: list[dict[str, Any]]) -> str:
    counts = {(c["weekday"], c["hour"]): c["messages"] for c in cells}
    top = max(counts.values(), default=0) or 1
    left, cell, gap, head = 44, 37, 4, 20
    width = left + 24 * (cell + gap)
    height = head + 7 * (cell + gap) + 34
    parts = [
        f'<svg data-chart="activity-heatmap" viewBox="0 0 {width} {height}" role="img" aria-label="messages by weekday and hour">'
    ]
    for hour in range(0, 24, 3):
        parts.append(
            f'<text x="{left + hour * (cell + gap) + cell / 2}" y="12" text-anchor="middle" class="muted">{hour:02d}h</text>'
        )
    for weekday in range(1, 8):
        y = head + (weekday - 1) * (cell + gap)
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end">{WEEKDAY_SHORT[weekday - 1]}</text>'
        )
        for hour in range(24):
            value = counts.get((weekday, hour), 0)
            level = 0 if value == 0 else 1 + round((len(HEAT_SCALE) - 2) * value / top)
            parts.append(
                f'<rect class="cell" x="{left + hour * (cell + gap)}" y="{y}" width="{cell}" height="{cell}" rx="4" '
                f'fill="{HEAT_SCALE[level]}" data-weekday="{weekday}" data-hour="{hour}" data-value="{value}">'
                f"<title>{WEEKDAY_SHORT[weekday - 1]} {hour:02d}:00–{hour:02d}:59: {_fmt(value)} messages</title></rect>"
            )
    legend_y = head + 7 * (cell + gap) + 12
    parts.append(f'<text x="{left}" y="{legend_y + 12}" class="muted">fewer</text>')
    for i, color in enumerate(HEAT_SCALE):
        parts.append(f'<rect x="{left + 44 + i * 22}" y="{legend_y}" width="18" height="16" rx="3" fill="{color}"/>')
    parts.append(f'<text x="{left + 50 + len(HEAT_SCALE) * 22}" y="{legend_y + 12}" class="muted">more</text>')
    parts.append("</svg>")
    return "".join(parts)


def volume_chart(days: list[dict[str, Any]]) -> str:
    width, height, left, right, top, bottom = 1040, 260, 48, 16, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    if not days:
        return f'<svg data-chart="daily-volume" viewBox="0 0 {width} 60"><text x="{width / 2}" y="34" text-anchor="middle" class="muted">No days</text></svg>'
    peak = max(max(d["messages"] for d in days), 1)
    step = plot_w / len(days)
    bar_w = max(2.0, min(36.0, step * 0.7))
    parts = [f'<svg data-chart="daily-volume" viewBox="0 0 {width} {height}" role="img" aria-label="messages per day">']
    # gridlines at whole numbers: four steps of a round size that reaches the peak
    tick = next(n * 10**e for e in range(12) for n in (1, 2, 5) if n * 10**e * 4 >= peak)
    peak = tick * 4
    for i in range(5):
        value = tick * i
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e8f0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="muted">{_fmt(value)}</text>'
        )
    label_every = max(1, round(len(days) / 10))
    points = []
    for i, d in enumerate(days):
        x = left + step * i + step / 2
        h = plot_h * d["messages"] / peak
        day = d["date"]
        parts.append(
            f'<rect class="day" x="{x - bar_w / 2:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" rx="3" '
            f'fill="{ACCENT}" fill-opacity="0.85" data-date="{day.isoformat()}" data-value="{d["messages"]}">'
            f"<title>{_day(day)}: {_fmt(d['messages'])} messages, {_fmt(d['active_users'])} active, "
            f"{_fmt(d['new_members'])} joined</title></rect>"
        )
        points.append(f"{x:.1f},{top + plot_h - plot_h * d['active_users'] / peak:.1f}")
        if i % label_every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" class="muted">{day.strftime("%d %b")}</text>'
            )
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#f08a24" stroke-width="2.5" stroke-linejoin="round"/>'
        )
    legend_y = height - 4
    parts.append(
        f'<rect x="{left}" y="{legend_y - 10}" width="12" height="10" rx="2" fill="{ACCENT}"/>'
        f'<text x="{left + 16}" y="{legend_y}" class="muted">messages</text>'
        f'<line x1="{left + 90}" x2="{left + 106}" y1="{legend_y - 5}" y2="{legend_y - 5}" stroke="#f08a24" stroke-width="2.5"/>'
        f'<text x="{left + 112}" y="{legend_y}" class="muted">active members</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _kpi(label: str, value: str, note: str = "", name: str = "") -> str:
    note_html = f'<div class="note" {OWN_WORDS}>{escape(note)}</div>' if note else ""
    return f'<div class="kpi" data-kpi="{name}"><div class="label" {OWN_WORDS}>{escape(label)}</div><div class="value" dir="auto">{escape(value)}</div>{note_html}</div>'


def _card(heading: str, sub: str, content: str, wide: bool = False) -> str:
    """A chart with its heading; ``sub`` is HTML (already escaped)."""
    return f'<div class="card{" wide" if wide else ""}"><h2 {OWN_WORDS}>{escape(heading)}</h2><p class="sub" {OWN_WORDS}>{sub}</p>{content}</div>'


def _period(summary: Any) -> str:
    return f"{_day(summary.first)} – {_day(summary.last)}" if summary.first != summary.last else _day(summary.first)


def _dotted(*parts: str) -> str:
    """The parts that say something, joined as the page joins facts: "32.8 a day · none before"."""
    return " · ".join(part for part in parts if part)


def _change(value: float | None, now: int) -> str:
    """The change against the period before; "none before" where there was none (as the digest says it;
    "new" beside a count read as that many new ones), nothing where there is none now either (a
    channel's active members)."""
    if value is None:
        return "none before" if now else ""
    return f"{value:+.0%} vs. before"


def _kpis(summary: Any, keywords: list[dict[str, Any]]) -> str:
    busiest = f"{summary.busiest_weekday[:3]} · {summary.busiest_hour:02d}:00" if summary.busiest_weekday else "–"
    best = summary.best_time
    best_value = f"{best.weekday[:3]} {best.hour:02d}:00" if best else "–"
    used = [k for k in keywords if k["messages"] > 0]
    return "".join(
        [
            _kpi(
                "Messages",
                _fmt(summary.messages),
                _dotted(
                    f"{summary.messages / summary.days:,.1f} a day", _change(summary.messages_change, summary.messages)
                ),
                "messages",
            ),
            _kpi(
                "Active members",
                _fmt(summary.active_users),
                _change(summary.active_users_change, summary.active_users),
                "active_users",
            ),
            _kpi("New members", _fmt(summary.new_members), "joined the group", "new_members"),
            _kpi("Busiest time", busiest, "busiest weekday · hour", "busiest"),
            _kpi("Best time to post", best_value, "most members, fastest replies", "best_time"),
            _kpi("Top keyword", used[0]["keyword"] if used else "–", "most discussed", "top_keyword"),
            _kpi("Reactions", _fmt(summary.reactions), "on the messages of the period", "reactions"),
            _kpi(
                "First reply",
                _wait(summary.median_reply_seconds),
                "median wait for an answer",
                "median_reply",
            ),
        ]
    )


def _wait(seconds: float | None) -> str:
    return "–" if seconds is None else duration(seconds)


def _sentences(summary: Any) -> str:
    return (
        f'<section class="said" {OWN_WORDS}><p data-said="change">{escape(summary.change_sentence())}</p>'
        f'<p data-said="best-time">{escape(summary.best_time_sentence())}</p></section>'
    )


def _posters_card(posters: list[dict[str, Any]]) -> str:
    rows = [
        (p["user_name"] or "unknown sender", p["messages"], f"{_fmt(p['messages'])} · {p['share']:.0%}")
        for p in posters[:TOP_POSTERS_SHOWN]
    ]
    return _card(
        "Who drives the conversation",
        f"Messages per member (top {TOP_POSTERS_SHOWN}) and share of all messages",
        bar_chart("top-posters", rows, ACCENT),
    )


def _keywords_card(keywords: list[dict[str, Any]]) -> str:
    used = [k for k in keywords if k["messages"] > 0]
    rows = [
        (k["keyword"], k["messages"], f"{_fmt(k['messages'])} · {counted(k['users'], 'person', 'people')}")
        for k in used[:KEYWORDS_SHOWN]
    ]
    colors = [HASHTAG if k["keyword"].startswith("#") else PHRASE if k["phrase"] else ACCENT for k in used]
    chips = "".join(
        f'<span class="chip{" zero" if k["messages"] == 0 else ""}" data-tracked="{escape(k["keyword"])}" data-value="{k["messages"]}">'
        f"{_bdi(k['keyword'])} <b>{_fmt(k['messages'])}</b></span>"
        for k in keywords
        if k["tracked"]
    )
    tracked = (
        f'<p class="sub" style="margin-top:14px">Tracked keywords (messages mentioning them)</p><div class="chips">{chips}</div>'
        if chips
        else ""
    )
    return _card(
        "What the group talks about",
        f"Messages using each word, in any of its forms (top {KEYWORDS_SHOWN}); "
        f'<span style="color:{PHRASE}">phrases</span> in green, <span style="color:{HASHTAG}">hashtags</span> in purple',
        bar_chart("keywords", rows, colors, label_width=130) + tracked,
    )


def _examples_card(examples: list[dict[str, Any]], zone: str) -> str:
    """The top topics, each with two messages that use it (the latest two senders'), each dated in the
    group's time zone, as the rest of the page is."""
    from zoneinfo import ZoneInfo

    from telegram_pipeline.reports.search import message_link

    topics: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for example in examples:
        if example["rank"] <= TOPICS_WITH_EXAMPLES:
            topics.setdefault((example["rank"], example["keyword"]), []).append(example)
    items = []
    for (rank, keyword), said in sorted(topics.items()):
        quotes = []
        for m in said:
            link = message_link(m["origin_chat_id"], m["chat_username"], m["message_id"])
            when = _day(m["sent_at"].astimezone(ZoneInfo(zone)).date()) if m["sent_at"] else ""
            opened = f' · <a href="{escape(link)}">open</a>' if link else ""
            quotes.append(
                f'<blockquote data-example="{m["example"]}">{_bdi(_truncate(m["text"] or "", EXAMPLE_CHARACTERS))}'
                f'<div class="who">{_bdi(m["user_name"])} · {escape(when)}{opened}</div></blockquote>'
            )
        items.append(
            f'<li class="topic" data-topic="{escape(keyword)}"><h3>{_bdi(keyword)} <span class="note">#{rank}</span></h3>'
            f"{''.join(quotes)}</li>"
        )
    content = f'<ul class="topics">{"".join(items)}</ul>' if items else '<p class="empty">No topics in this range</p>'
    return _card(
        "What was said about the top topics",
        f"Two messages using each of the {TOPICS_WITH_EXAMPLES} most discussed topics, the latest two senders'",
        content,
        wide=True,
    )


def _languages_card(languages: list[dict[str, Any]]) -> str:
    rows = [
        (
            LANGUAGE_NAMES.get(row["language"], row["language"]),
            row["messages"],
            f"{_fmt(row['messages'])} · {row['share']:.0%} · {_fmt(row['users'])} people",
        )
        for row in languages[:KEYWORDS_SHOWN]
    ]
    return _card(
        "Languages the group writes",
        "Messages per language, detected in each message (a short one takes its sender's language of the day)",
        bar_chart("languages", rows, "#2a9df4", label_width=110),
    )


STATUS_COLORS = {"new": "#1f9d55", "returning": ACCENT, "quiet": "#f08a24", "silent": "#9aa3b5"}
ENGAGEMENT_SHOWN = 10


def _reaction_shown(name: str | None) -> str:
    """A reaction as the page names it: a custom emoji's id (``custom:<id>``) or its absence says nothing
    to a reader, who sees "custom emoji"; an emoji as it is."""
    if name == CUSTOM_EMOJI or (name or "").startswith(f"{CUSTOM_EMOJI}:"):
        return "custom emoji"
    return name or ""


def _reactions_held(row: Mapping[str, Any]) -> str:
    """ "3 👍 · ⭐ 50": the reactions a post holds with the one given most, then the Telegram Stars of its
    paid reaction, which count stars and not people."""
    held = f"{_fmt(row['reactions'])} {_reaction_shown(row['top_emoji'])}".strip() if row["reactions"] else ""
    stars = f"⭐ {_fmt(row['stars'])}" if row["stars"] else ""
    return _dotted(held, stars)


def _reactions_card(reacted: Any) -> str:
    rows = [
        (
            f"{isolated(r['user_name'] or 'unknown sender')}: {isolated(r['text'] or '(no text)')}",
            r["reactions"],
            _reactions_held(r),
        )
        for r in reacted.slice(0, ENGAGEMENT_SHOWN).to_pylist()
    ]
    return _card(
        "Posts people react to",
        f"Reactions each message of the period holds at its end (top {ENGAGEMENT_SHOWN}), with the reaction given "
        "most, and the Telegram Stars of paid reactions",
        bar_chart("reactions", rows, "#e0457b", label_width=560, width=1040, empty="No reactions in this range"),
        wide=True,
    )


def _interactions_card(pairs: Any, names: Mapping[int, str]) -> str:
    def name(user_id: int) -> str:
        return names.get(user_id, f"user {user_id}")

    rows = [
        (
            f"{isolated(name(p['from_user_id']))} → {isolated(name(p['to_user_id']))}",
            p["replies"] + p["mentions"],
            f"{_count(p['replies'], 'reply', 'replies')} · {_count(p['mentions'], 'mention', 'mentions')}",
        )
        for p in pairs.slice(0, ENGAGEMENT_SHOWN).to_pylist()
    ]
    return _card(
        "Who answers whom",
        f"The strongest pairs (top {ENGAGEMENT_SHOWN}): replies to, and @mentions of, one member by another",
        bar_chart("interactions", rows, "#0f9b8e", label_width=230, empty="No replies or mentions in this range"),
    )


def _emoji_card(emoji: list[dict[str, Any]]) -> str:
    rows = [
        (e["emoji"], e["messages"], f"{_fmt(e['messages'])} · {counted(e['users'], 'person', 'people')}")
        for e in emoji[: KEYWORDS_SHOWN // 2]
    ]
    return _card(
        "Emoji",
        f"Messages with each emoji (top {KEYWORDS_SHOWN // 2}), skin tones and joined sequences whole",
        bar_chart("emoji", rows, "#f0b429", label_width=60, empty="No emoji in this range"),
    )


def _members_card(members: list[dict[str, Any]], summary: Any) -> str:
    counts = summary.member_status
    rows = [(status, counts.get(status, 0), _fmt(counts.get(status, 0))) for status in STATUS_COLORS]
    chart = bar_chart("members", rows, list(STATUS_COLORS.values()), label_width=90)

    def chips(status: str, key: str) -> str:
        chosen = sorted((m for m in members if m["status"] == status), key=lambda m: (-m[key], m["user_id"]))
        return "".join(
            f'<span class="chip" data-member="{status}">{_bdi(m["user_name"] or "unknown sender")} <b>{_fmt(m[key])}</b></span>'
            for m in chosen[:ENGAGEMENT_SHOWN]
        )

    lists = (
        f'<p class="sub" style="margin-top:10px">New (their messages)</p><div class="chips">{chips("new", "messages") or "–"}</div>'
        f'<p class="sub" style="margin-top:10px">Went quiet (their messages the period before)</p><div class="chips">{chips("quiet", "previous_messages") or "–"}</div>'
    )
    return _card(
        "Members who come and go",
        f"new: first message ever; returning; quiet: posted the period before, not now; silent: only joined or left. "
        f'<span data-joined="{summary.new_members}">{counted(summary.new_members, "person", "people")} joined</span>, '
        f"{_fmt(summary.left)} left",
        chart + lists,
    )


def _content_mix_card(summary: Any) -> str:
    total = sum(count for _, count in summary.content_mix) or 1
    rows = [(kind, count, f"{_fmt(count)} · {count / total:.0%}") for kind, count in summary.content_mix]
    return _card(
        "What the group shares",
        "Messages by kind of content",
        bar_chart("content-mix", rows, "#6c5ce7", label_width=110),
    )


def _conversations_card(conversations: Any, names: Mapping[int, str]) -> str:
    starters = top_starters(conversations, ENGAGEMENT_SHOWN).to_pylist()
    rows = [
        (
            names.get(c["user_id"], f"user {c['user_id']}"),
            c["started"],
            f"{_fmt(c['started'])} started · {_count(c['replies_received'], 'reply', 'replies')} · {_wait(c['median_reply_seconds'])}",
        )
        for c in starters
        if c["started"]
    ]
    return _card(
        "Who starts conversations",
        f"Messages after at least a pause of silence that opened a conversation (top {ENGAGEMENT_SHOWN}); replies received and the median wait for a first reply",
        bar_chart("conversations", rows, "#2a9df4", label_width=170),
    )


def _topics_card(topics: list[dict[str, Any]]) -> str:
    """A forum's topics, busiest first, the quiet ones (no message in the period) last and greyed."""
    top = max((t["messages"] for t in topics), default=0) or 1
    rows = "".join(
        f'<tr class="{"busy" if t["messages"] else "quiet"}" data-topic-id="{t["topic_id"]}" data-messages="{t["messages"]}">'
        f'<td>{_bdi(t["topic"])}<div class="meter"><span style="width:{100 * t["messages"] / top:.0f}%"></span></div></td>'
        f'<td data-value="{t["messages"]}">{_fmt(t["messages"]) if t["messages"] else "quiet"}</td>'
        f'<td data-value="{t["users"]}">{_fmt(t["users"])}</td>'
        f'<td data-value="{t["replies"]}">{_fmt(t["replies"])}</td>'
        f"<td>{escape(_wait(t['median_first_reply_seconds']))}</td>"
        f"<td>{_bdi(t['top_keywords']) if t['top_keywords'] else '–'}</td></tr>"
        for t in topics
    )
    busy = sum(1 for t in topics if t["messages"])
    table = (
        '<table class="groups" data-chart="topics"><thead><tr><th>Topic</th><th>Messages</th><th>Members</th>'
        "<th>Replies</th><th>First reply</th><th>Keywords</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return _card(
        "Forum topics",
        f"{counted(busy, 'topic')} with messages in the period, {counted(len(topics) - busy, 'quiet topic')}: "
        "messages, members who posted, replies, the median wait for a first reply, the words used most",
        table,
        wide=True,
    )


ACTIVE_COLORS = {"dau": ACCENT, "wau": "#f08a24", "mau": "#0f9b8e"}
SHOWN = 12


def activity_chart(days: list[dict[str, Any]]) -> str:
    """Daily active members as bars, weekly and monthly active members as lines, per day of the range."""
    width, height, left, right, top, bottom = 1040, 260, 48, 16, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    if not days:
        return f'<svg data-chart="activity" viewBox="0 0 {width} 60"><text x="{width / 2}" y="34" text-anchor="middle" class="muted">No days</text></svg>'
    tick = next(n * 10**e for e in range(12) for n in (1, 2, 5) if n * 10**e * 4 >= max(d["mau"] for d in days))
    peak = tick * 4
    step = plot_w / len(days)
    bar_w = max(2.0, min(36.0, step * 0.7))
    parts = [
        f'<svg data-chart="activity" viewBox="0 0 {width} {height}" role="img" aria-label="active members per day">'
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e8f0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="muted">{_fmt(tick * i)}</text>'
        )
    lines: dict[str, list[str]] = {"wau": [], "mau": []}
    label_every = max(1, round(len(days) / 10))
    for i, d in enumerate(days):
        x = left + step * i + step / 2
        h = plot_h * d["dau"] / peak
        stickiness = "–" if d["stickiness"] is None else f"{d['stickiness']:.0%}"
        parts.append(
            f'<rect class="active-day" x="{x - bar_w / 2:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" rx="3" fill="{ACCENT}" fill-opacity="0.85" data-date="{d["date"].isoformat()}" '
            f'data-value="{d["dau"]}" data-wau="{d["wau"]}" data-mau="{d["mau"]}">'
            f"<title>{_day(d['date'])}: {_fmt(d['dau'])} active that day, {_fmt(d['wau'])} in 7 days, "
            f"{_fmt(d['mau'])} in 30 days (stickiness {stickiness})</title></rect>"
        )
        for name, points in lines.items():
            points.append(f"{x:.1f},{top + plot_h - plot_h * d[name] / peak:.1f}")
        if i % label_every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 18}" text-anchor="middle" class="muted">{d["date"].strftime("%d %b")}</text>'
            )
    for name, points in lines.items():
        if len(points) > 1:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{ACTIVE_COLORS[name]}" stroke-width="2.5" stroke-linejoin="round"/>'
            )
    x = left
    for name, label in (("dau", "that day"), ("wau", "in 7 days"), ("mau", "in 30 days")):
        parts.append(
            f'<rect x="{x}" y="{height - 14}" width="12" height="10" rx="2" fill="{ACTIVE_COLORS[name]}"/>'
            f'<text x="{x + 16}" y="{height - 4}" class="muted">{label}</text>'
        )
        x += 110
    parts.append("</svg>")
    return "".join(parts)


def retention_heatmap(rows: list[dict[str, Any]]) -> str:
    """Weekly cohorts (rows) by weeks since (columns): the share of each cohort who posted that week."""
    cohorts = sorted({r["cohort_week"] for r in rows})
    if not cohorts:
        return '<svg data-chart="retention" viewBox="0 0 520 60" role="img" aria-label="no data"><text x="260" y="34" text-anchor="middle" class="muted">No new members in this range</text></svg>'
    weeks = max(r["week"] for r in rows) + 1
    width, left, gap, head, row = 1040, 250, 4, 22, 28
    cell = min(110, (width - left) // max(weeks, 1) - gap)
    height = head + len(cohorts) * (row + gap) + 4
    parts = [
        f'<svg data-chart="retention" viewBox="0 0 {width} {height}" role="img" aria-label="weekly cohorts: share active each week">'
    ]
    for week in range(weeks):
        parts.append(
            f'<text x="{left + week * (cell + gap) + cell / 2}" y="14" text-anchor="middle" class="muted">week {week}</text>'
        )
    by_cohort: dict[Any, list[dict[str, Any]]] = {c: [] for c in cohorts}
    for r in rows:
        by_cohort[r["cohort_week"]].append(r)
    for i, cohort in enumerate(cohorts):
        y = head + i * (row + gap)
        first = by_cohort[cohort][0]
        parts.append(
            f'<text x="{left - 8}" y="{y + 18}" text-anchor="end">{cohort.strftime("%d %b")} · '
            f"{_count(first['members'], 'member', 'members')} · {_fmt(first['activated'])} activated</text>"
        )
        for r in sorted(by_cohort[cohort], key=lambda r: r["week"]):
            share = r["active"] / r["members"] if r["members"] else 0
            level = 0 if r["active"] == 0 else 1 + round((len(HEAT_SCALE) - 2) * share)
            ink = "#ffffff" if level >= 4 else "#1d2433"
            x = left + r["week"] * (cell + gap)
            parts.append(
                f'<rect class="cohort" x="{x}" y="{y}" width="{cell}" height="{row}" rx="4" fill="{HEAT_SCALE[level]}" '
                f'data-cohort="{cohort.isoformat()}" data-week="{r["week"]}" data-value="{r["active"]}" data-members="{r["members"]}">'
                f"<title>Joined the week of {_day(cohort)}: {_fmt(r['active'])} of {_fmt(r['members'])} posted in week {r['week']}</title></rect>"
                f'<text x="{x + cell / 2}" y="{y + 18}" text-anchor="middle" style="fill:{ink}">{share:.0%}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _activity_card(days: list[dict[str, Any]], summary: Any) -> str:
    sticky = "–" if summary.stickiness is None else f"{summary.stickiness:.0%}"
    return _card(
        "Active members",
        f"Members who posted that day (bars), in the 7 and in the 30 days up to it (lines); stickiness, the "
        f"day's active members over the month's, averages {sticky}",
        activity_chart(days),
        wide=True,
    )


def _retention_card(rows: list[dict[str, Any]]) -> str:
    return _card(
        "Do new members stay?",
        "Members first seen (joined or first posted) each week, and the share of them who posted in each week "
        "since; activated: posted within 7 days of arriving",
        retention_heatmap(rows),
        wide=True,
    )


def _join_sources_card(sources: list[dict[str, Any]]) -> str:
    rows = [
        (
            s["source"],
            s["joins"],
            f"{_fmt(s['joins'])} · {_fmt(s['still_members'])} stayed · {_fmt(s['posted'])} posted",
        )
        for s in sources[:SHOWN]
    ]
    return _card(
        "Where new members come from",
        "Members who joined, by how (an invite link by its name), how many are still members and how many posted",
        bar_chart("join-sources", rows, "#1f9d55", label_width=210, empty="Nobody joined in this range"),
    )


def _questions_card(questions: list[dict[str, Any]], helpers: Any, hours: int) -> str:
    figures = questions[0] if questions else {"asked": 0, "answered": 0, "unanswered": 0, "median_answer_seconds": None}
    waiting = figures.get("waiting") or 0  # asked in the range's last hours: too recent to say
    numbers = "".join(
        f'<div data-question="{key}"><b>{value}</b><span class="note">{label}</span></div>'
        for key, value, label in (
            ("asked", _fmt(figures["asked"]), "asked"),
            ("answered", _fmt(figures["answered"]), "answered"),
            ("median", _wait(figures["median_answer_seconds"]), "median wait"),
            ("unanswered", _fmt(figures["unanswered"]), f"no answer in {hours} h"),
            *([("waiting", _fmt(waiting), f"asked in the last {hours} h, no answer yet")] if waiting else []),
        )
    )
    rows = [
        (
            h["user_name"],
            h["answers"],
            f"{_count(h['answers'], 'answer', 'answers')} · {_wait(h['median_answer_seconds'])}",
        )
        for h in helpers.slice(0, ENGAGEMENT_SHOWN).to_pylist()
    ]
    chart = bar_chart("helpers", rows, "#0f9b8e", label_width=130, empty="Nobody answered a question in this range")
    return _card(
        "Questions and who answers them",
        "Messages with a question mark (any script, outside links and code), answered by someone else or not; "
        f"below, the members who answer others' questions most (top {ENGAGEMENT_SHOWN}) and their median wait",
        f'<div class="figures">{numbers}</div>{chart}',
    )


def _opening(shown: str, row: Mapping[str, Any]) -> str:
    """``shown`` as a link to where Telegram opens the row's message (``origin_chat_id``, ``chat_username``,
    ``message_id``), or as it is where no link can open it."""
    from telegram_pipeline.reports.search import message_link

    link = message_link(row["origin_chat_id"], row["chat_username"], row["message_id"])
    return f'<a href="{escape(link)}">{shown}</a>' if link else shown


def _unanswered_card(unanswered: Any, topics: Any, hours: int, zone: str) -> str:
    """The latest questions nobody answered in time, each linked to where Telegram opens it, and in a
    forum with the topic it was asked in."""
    topic_names = {t["topic_id"]: t["topic"] for t in topics.select(["topic_id", "topic"]).to_pylist()}
    items = []
    for q in unanswered.slice(0, ENGAGEMENT_SHOWN).to_pylist():
        topic = f" · in {_bdi(topic_names.get(q['topic_id']))}" if q["topic_id"] in topic_names else ""
        items.append(
            f'<li data-unanswered="{q["message_id"]}">'
            + _opening(_bdi(_truncate(q["text"], 140)), q)
            + f' <span class="note">{_bdi(q["user_name"] or "unknown sender")} · {_local(q["sent_at"], zone)}'
            + f"{topic}</span></li>"
        )
    listed = "".join(items)
    return _card(
        "Questions still waiting",
        f"The latest questions nobody else answered within {hours} h, or has not yet where they were asked in the "
        f"last {hours} h (top {ENGAGEMENT_SHOWN}), with a link to each",
        f'<ol class="questions">{listed}</ol>' if listed else '<p class="empty">Every question got an answer</p>',
    )


def _channel_posts_card(posts: Any, zone: str) -> str:
    """A discussion group's copies of its channel's posts, the most commented first, each linked to where
    Telegram opens it and its comments."""
    items = []
    for post in posts.slice(0, ENGAGEMENT_SHOWN).to_pylist():
        shown = _bdi(_truncate(post["text"], 140)) if post["text"] else escape(post["content_type"] or "post")
        first = post["first_comment_seconds"]
        items.append(
            f'<li data-post="{post["message_id"]}" data-value="{post["comments"]}">'
            + _opening(shown, post)
            + ' <span class="note">'
            + _dotted(
                _count(post["comments"], "comment", "comments"),
                _count(post["commenters"], "member", "members") if post["comments"] else "",
                f"the first after {_wait(first)}" if first is not None else "",
                f"{_bdi(post['channel_title'])} · {_local(post['sent_at'], zone)}",
            )
            + "</span></li>"
        )
    return _card(
        "The channel's posts",
        f"The posts Telegram copied here from the channel, the most commented first (top {ENGAGEMENT_SHOWN}): "
        "the comments are the group's messages, the posts are not",
        f'<ol class="questions">{"".join(items)}</ol>',
    )


def _local(instant: datetime | None, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return "–" if instant is None else instant.astimezone(ZoneInfo(zone)).strftime("%d %b %H:%M")


def _links_card(domains: list[dict[str, Any]]) -> str:
    rows = [(d["domain"], d["messages"], f"{_fmt(d['messages'])} · {_fmt(d['users'])} people") for d in domains[:SHOWN]]
    return _card(
        "Sites the group shares",
        f"Messages linking to each site (top {SHOWN}); Telegram links by the channel or group they lead to",
        bar_chart("links", rows, "#6c5ce7", label_width=170, empty="No links in this range"),
    )


def _forward_sources_card(sources: list[dict[str, Any]]) -> str:
    rows = [
        (
            s["source_name"],
            s["messages"],
            f"{_fmt(s['messages'])} · {s['source_type'] or 'unknown'}",
        )
        for s in sources[:SHOWN]
    ]
    return _card(
        "Where forwards come from",
        f"Forwarded messages by the channel, group or person they came from (top {SHOWN})",
        bar_chart("forward-sources", rows, "#e0457b", label_width=190, empty="No forwards in this range"),
    )


def _surges_card(surges: list[dict[str, Any]], last: date) -> str:
    items = "".join(
        f'<div class="surge" data-surge="{escape(s["keyword"] or "")}" data-value="{s["messages"]}">'
        f'<span class="chip"><b>{_bdi(_truncate(s["keyword"], 60))}</b> {_count(s["messages"], "message", "messages")} '
        f"· {s['daily_mean']:.2f} a day before</span>"
        f'<ul class="examples">{"".join(f"<li>{_bdi(_truncate(e, 160))}</li>" for e in (s["example"], s["second_example"]) if e)}</ul></div>'
        for s in surges[:SHOWN]
    )
    return _card(
        "Taking off",
        f"Terms used in more messages on {_day(last)} than three times their daily mean over the 28 days before",
        items or '<p class="empty">Nothing took off on the last day</p>',
    )


def _community_cards(tables: Mapping[str, Any], summary: Any) -> list[str]:
    """The community's health, in reading order."""
    return [
        _activity_card(tables["activity"].to_pylist(), summary),
        _retention_card(tables["retention"].to_pylist()),
        _join_sources_card(tables["join_sources"].to_pylist()),
        _surges_card(tables["surges"].to_pylist(), summary.last),
        _questions_card(tables["questions"].to_pylist(), tables["helpers"], summary.question_answer_hours),
        _unanswered_card(
            tables["unanswered_questions"], tables["topics"], summary.question_answer_hours, summary.timezone
        ),
        _links_card(tables["links"].to_pylist()),
        _forward_sources_card(tables["forward_sources"].to_pylist()),
    ]


def _cards(tables: Mapping[str, Any], summary: Any) -> list[str]:
    """The charts of the page, in reading order."""
    zone = escape(summary.timezone)
    names = names_of(tables)
    topics = tables["topics"].to_pylist()
    posts = tables["channel_posts"]
    return [
        *([_topics_card(topics)] if topics else []),  # forums only
        *([_channel_posts_card(posts, summary.timezone)] if posts.num_rows else []),  # discussion groups only
        _posters_card(tables["top_posters"].to_pylist()),
        _keywords_card(tables["keywords"].to_pylist()),
        _examples_card(tables["keyword_examples"].to_pylist(), summary.timezone),
        _languages_card(tables["languages"].to_pylist()),
        _card(
            "When members are around",
            f"Messages by weekday and hour ({zone}): schedule posts and events in the dark cells",
            heatmap(tables["activity_heatmap"].to_pylist()),
            wide=True,
        ),
        _card(
            "Volume over time",
            "Messages and active members per day",
            volume_chart(tables["daily_volume"].to_pylist()),
            wide=True,
        ),
        _reactions_card(tables["reactions"]),
        _interactions_card(tables["interactions"], names),
        _conversations_card(tables["conversations"], names),
        _members_card(tables["members"].to_pylist(), summary),
        _content_mix_card(summary),
        _emoji_card(tables["emoji"].to_pylist()),
    ]


def _page(heading: str, summary_line: str, range_attr: str, body: str, lang: str = "en", name: str = "") -> str:
    """A page; ``heading`` is the page's own words, after ``name``, what the group called itself."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    shown = _bdi(name) + (f" · {escape(heading)}" if heading else "") if name else escape(heading)
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(_dotted(isolated(name) if name else "", heading, summary_line))}</title>
<style>{CSS}</style>
</head>
<body>
<header>
  <h1>{shown}</h1>
  <p data-range="{range_attr}" {OWN_WORDS}>{escape(summary_line)}</p>
</header>
<main>
{body}
</main>
<footer {OWN_WORDS}>
  A message counts once however often it was edited or delivered; joins, leaves and pins are not messages;
  captions count as text. Generated {generated}.
</footer>
</body>
</html>
"""


def _heading(summary: Any, title: str | None) -> str:
    """The page's own words after the chat's name: the window; for a chat without a name, what it is (a
    group, a channel, a private chat) and its id."""
    what = "" if summary.title else f"Telegram {summary.kind} report ({summary.chat_id})"
    return _dotted(what, title)


def render(tables: Mapping[str, Any], summary: Any, title: str | None = None) -> str:
    """One group's page from its report tables and its summary (``reports.summary.Summary``)."""
    body = (
        f'<section class="kpis">{_kpis(summary, tables["keywords"].to_pylist())}</section>\n'
        f"{_sentences(summary)}\n"
        f'<section class="grid">{"".join(_cards(tables, summary))}</section>\n'
        '<h2 class="section">Community health</h2>\n'
        f'<section class="grid">{"".join(_community_cards(tables, summary))}</section>'
    )
    period = f"{summary.kind.capitalize()} · {_period(summary)} · times in {summary.timezone}"
    return _page(
        _heading(summary, title),
        period,
        f"{summary.first.isoformat()}/{summary.last.isoformat()}",
        body,
        lang=page_language(summary),
        name=summary.title or "",
    )


def render_index(entries: list[tuple[Any, str]], rng: Any, title: str | None = None) -> str:
    """The page linking every group's page: (summary, relative link) each, with its headline figures;
    the busiest group first (most messages; on a tie, the lower id)."""
    entries = sorted(entries, key=lambda entry: (-entry[0].messages, entry[0].chat_id))
    rows = "".join(
        f'<tr data-chat-id="{s.chat_id}"><td><a href="{escape(link)}">{_bdi(s.name)}</a>'
        f'<div class="note">{escape(s.kind)} {s.chat_id}</div></td>'
        f'<td data-value="{s.messages}">{_fmt(s.messages)} <span class="note">{escape(_change(s.messages_change, s.messages))}</span></td>'
        f'<td data-value="{s.active_users}">{_fmt(s.active_users)} <span class="note">{escape(_change(s.active_users_change, s.active_users))}</span></td>'
        f"<td>{', '.join(_bdi(name) for name, _ in s.top_posters[:3]) or '–'}</td></tr>"
        for s, link in entries
    )
    table = (
        '<table class="groups"><thead><tr><th>Group</th><th>Messages</th><th>Active members</th><th>Top posters</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if entries
        else '<p class="empty">No group had any update in this period.</p>'
    )
    period = f"{_day(rng.first)} – {_day(rng.last)}" if rng.first != rng.last else _day(rng.first)
    heading = "Telegram groups" + (f" · {title}" if title else "")
    body = f'<section class="card wide">{table}</section>'
    return _page(
        heading,
        f"{period} · {chats_counted([s.kind for s, _ in entries])} · times in {rng.timezone}",
        f"{rng.first.isoformat()}/{rng.last.isoformat()}",
        body,
    )
