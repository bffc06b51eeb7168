"""``report.html``: one self-contained page (inline CSS and SVG, no script, no CDN) that opens
offline and reads well on a laptop or a phone: headline figures, top posters, keywords, the
weekday × hour heatmap and the volume over time.

Every chart is an ``<svg data-chart="...">``; every bar or cell carries ``data-value`` and a
``<title>`` tooltip, so the page can be checked by a browser test and read by screen readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from html import escape
from typing import Any

WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TOP_POSTERS_SHOWN = 15
KEYWORDS_SHOWN = 25
ACCENT = "#2a6df4"
HASHTAG = "#8a4bd6"
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
footer { max-width:1120px; margin:0 auto 32px; padding:0 20px; color:var(--muted); font-size:12px; }
@media (max-width: 820px) { .grid { grid-template-columns:1fr; } }
""".replace("__ACCENT__", ACCENT)


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def _truncate(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def bar_chart(chart: str, rows: list[tuple[str, float, str]], color: str | list[str], label_width: int = 170) -> str:
    """Horizontal bars: rows of (label, value, value text)."""
    if not rows:
        return f'<svg data-chart="{chart}" viewBox="0 0 520 60" role="img" aria-label="no data"><text x="260" y="34" text-anchor="middle" class="muted">No messages in this range</text></svg>'
    width, bar_h, gap = 520, 18, 8
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
            f'<text x="{label_width - 8}" y="{y + 13}" text-anchor="end">{escape(_truncate(label, 26))}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="4" fill="{fill}" data-value="{value:g}">'
            f"<title>{escape(label)}: {escape(value_text)}</title></rect>"
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
    for i in range(5):
        value = peak * i / 4
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
    note_html = f'<div class="note">{escape(note)}</div>' if note else ""
    return f'<div class="kpi" data-kpi="{name}"><div class="label">{escape(label)}</div><div class="value">{escape(value)}</div>{note_html}</div>'


def render(tables: Mapping[str, Any], summary: Any, title: str | None = None) -> str:
    """The page for the four report tables and their summary (``reports.Summary``)."""
    posters = tables["top_posters"].to_pylist()
    keywords = tables["keywords"].to_pylist()
    cells = tables["activity_heatmap"].to_pylist()
    days = tables["daily_volume"].to_pylist()
    heading = "Telegram group report" + (f" · {title}" if title else "")
    period = f"{_day(summary.first)} – {_day(summary.last)}" if summary.first != summary.last else _day(summary.first)
    busiest = f"{summary.busiest_weekday[:3]} {summary.busiest_hour:02d}:00" if summary.busiest_weekday else "–"
    used = [k for k in keywords if k["messages"] > 0]
    top_keyword = used[0]["keyword"] if used else "–"
    per_day = summary.messages / max(len(days), 1)

    poster_rows = [
        (p["user_name"] or "unknown sender", p["messages"], f"{_fmt(p['messages'])} · {p['share']:.0%}")
        for p in posters[:TOP_POSTERS_SHOWN]
    ]
    keyword_rows = [
        (k["keyword"], k["messages"], f"{_fmt(k['messages'])} · {_fmt(k['users'])} people")
        for k in used[:KEYWORDS_SHOWN]
    ]
    keyword_colors = [HASHTAG if k.startswith("#") else ACCENT for k, _, _ in keyword_rows]
    tracked = [k for k in keywords if k["tracked"]]
    chips = "".join(
        f'<span class="chip{" zero" if k["messages"] == 0 else ""}" data-tracked="{escape(k["keyword"])}" data-value="{k["messages"]}">'
        f"{escape(k['keyword'])} <b>{_fmt(k['messages'])}</b></span>"
        for k in tracked
    )
    tracked_html = (
        f'<p class="sub" style="margin-top:14px">Tracked keywords (messages mentioning them)</p><div class="chips">{chips}</div>'
        if tracked
        else ""
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(heading)} · {escape(period)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
  <h1>{escape(heading)}</h1>
  <p data-range="{summary.first.isoformat()}/{summary.last.isoformat()}">{escape(period)} · times in {escape(summary.timezone)}</p>
</header>
<main>
  <section class="kpis">
    {_kpi("Messages", _fmt(summary.messages), f"{per_day:,.1f} a day", "messages")}
    {_kpi("Active members", _fmt(summary.active_users), "posted at least once", "active_users")}
    {_kpi("New members", _fmt(summary.new_members), "joined the group", "new_members")}
    {_kpi("Busiest time", busiest, "busiest weekday · hour", "busiest")}
    {_kpi("Top keyword", top_keyword, "most discussed", "top_keyword")}
  </section>
  <section class="grid">
    <div class="card">
      <h2>Who drives the conversation</h2>
      <p class="sub">Messages per member (top {TOP_POSTERS_SHOWN}) and share of all messages</p>
      {bar_chart("top-posters", poster_rows, ACCENT)}
    </div>
    <div class="card">
      <h2>What the group talks about</h2>
      <p class="sub">Messages mentioning each term (top {KEYWORDS_SHOWN}); <span style="color:{HASHTAG}">hashtags</span> in purple</p>
      {bar_chart("keywords", keyword_rows, keyword_colors, label_width=130)}
      {tracked_html}
    </div>
    <div class="card wide">
      <h2>When members are around</h2>
      <p class="sub">Messages by weekday and hour ({escape(summary.timezone)}): schedule posts and events in the dark cells</p>
      {heatmap(cells)}
    </div>
    <div class="card wide">
      <h2>Volume over time</h2>
      <p class="sub">Messages and active members per day</p>
      {volume_chart(days)}
    </div>
  </section>
</main>
<footer>
  A message counts once however often it was edited or delivered; joins, leaves and pins are not messages;
  captions count as text. Generated {generated}.
</footer>
</body>
</html>
"""
