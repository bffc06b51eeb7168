"""Two communities over three weeks, made the way the pipeline gets them (Bot API updates in the raw zone,
then the real consolidation), each message labelled by hand with what it holds: whether it asks, the
domains of its links. And the community tables computed again from those updates and labels in plain
Python, by another route than the SQL under test.

"Comunidade Python" and "Clube de Leitura", in São Paulo, Monday 2026-03-02 .. Sunday 2026-03-22, with
history from February: members who join by a named invite link (and again after leaving), by an unnamed
one, by an approved request, added by a member, by themselves (unknown), a bot added (left out), members
who leave; questions in several scripts, answered in time, late, by themselves, never; questions that
are not (a ? in a link, in code, in a plain address); links of every kind; forwards from a channel (by
forward_origin and by the fields of Bot API 6), a user, a hidden user and a group; and on the last day,
terms that surge and terms that do not (at the threshold, below the minimum, a stopword).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.groups_lake import BOT, TZ, Updates, at, counted_messages

FIRST, LAST = date(2026, 3, 2), date(2026, 3, 22)
PY = {"id": -1004000000001, "title": "Comunidade Python", "type": "supergroup"}
LEITURA = {"id": -1004000000002, "title": "Clube de Leitura", "type": "supergroup", "username": "clubedeleitura"}
NAMES = "ana bia caio duda edu fabi gil hugo ivo julia kaio mari".split()
U = {name: {"id": uid, "is_bot": False, "first_name": name.capitalize()} for uid, name in enumerate(NAMES, start=1)}
LIA = {"id": 11_000, "is_bot": False, "first_name": "Lia", "last_name": "Lima"}
CHANNEL = -1009000000001
NEIGHBOUR = {"id": -1009000000002, "title": "Grupo Vizinho", "type": "supergroup"}
INSTAGRAM = {"invite_link": "https://t.me/+AAAAinsta", "name": "Instagram", "creates_join_request": False}
UNNAMED = {"invite_link": "https://t.me/+BBBB…", "creates_join_request": False}
SITE = {"invite_link": "https://t.me/+CCCCsite", "name": "Site", "creates_join_request": False}


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entity(text: str, kind: str, part: str, **extra) -> dict:
    return {"type": kind, "offset": utf16(text[: text.index(part)]), "length": utf16(part), **extra}


class Community(Updates):
    """Updates with the hand labels of each message (latest version) and every join."""

    def __init__(self) -> None:
        super().__init__()
        self.asks: dict[tuple[int, int], bool] = {}
        self.domains: dict[tuple[int, int], set[str]] = {}
        self.joins: list[tuple[int, int, int]] = []  # (chat id, member id, Unix time)
        self.ids: dict[int, int] = defaultdict(int)

    def next_id(self, chat: dict) -> int:
        self.ids[chat["id"]] += 1
        return self.ids[chat["id"]]

    def post(self, chat, user, when, text, asks=False, domains=(), entities=(), **extra) -> dict:
        body = self.message(chat, self.next_id(chat), user, when, text, **extra)
        if entities:
            body["entities"] = list(entities)
        self.asks[(chat["id"], body["message_id"])] = asks
        self.domains[(chat["id"], body["message_id"])] = set(domains)
        return body

    def answer(self, chat, user, when, text, to, asks=False) -> dict:
        quoted = {k: v for k, v in to.items() if k != "reply_to_message"}
        return self.post(chat, user, when, text, asks=asks, reply_to_message=quoted)

    def revise(self, original: dict, when: str, text: str, asks: bool) -> None:
        self.edit(original, when, text)
        self.asks[(original["chat"]["id"], original["message_id"])] = asks

    def chat_member(self, chat, user, when, old, new, by=None, **how) -> None:
        self.add("chat_member", {"chat": chat, "from": by or user, "date": at(when),
                                 "old_chat_member": {"user": user, "status": old},
                                 "new_chat_member": {"user": user, "status": new}, **how})  # fmt: skip
        if new == "member" and old == "left" and not user["is_bot"]:
            self.joins.append((chat["id"], user["id"], at(when)))

    def added(self, chat, by, when, *members) -> None:
        self.message(chat, self.next_id(chat), by, when, new_chat_members=list(members))
        self.joins += [(chat["id"], m["id"], at(when)) for m in members if not m["is_bot"]]

    def left(self, chat, user, when) -> None:
        self.message(chat, self.next_id(chat), user, when, left_chat_member=user)


def communities() -> Community:
    u = Community()
    ana, bia, caio, duda, edu, fabi, gil, hugo, ivo, julia, kaio, mari = (U[n] for n in NAMES)
    # February: the old members, and caio, who joined before the range
    u.post(PY, ana, "2026-02-10T10:00", "Bem-vindos ao grupo")
    u.post(PY, bia, "2026-02-20T11:00", "Olá a todos")
    u.post(PY, caio, "2026-02-20T12:00", "Encaminhado de antes", forward_origin={"type": "hidden_user", "sender_user_name": "Zé", "date": 1})  # fmt: skip
    u.chat_member(PY, caio, "2026-02-25T09:00", "left", "member")
    # python, twice a day for the 28 days before the last day: 2 a day on average, so its 6 on the last
    # day are exactly three times that, which is not more
    for n in range(28):
        day = date(2026, 2, 22) + timedelta(days=n)
        u.post(PY, ana, f"{day}T07:00", "python 3.12 é ótimo")
        u.post(PY, bia, f"{day}T07:30", "python sempre")
    u.post(PY, ana, "2026-03-01T08:00", "kotlin ou java")
    u.post(PY, bia, "2026-03-05T08:00", "kotlin também")
    before = u.post(PY, bia, "2026-03-01T20:00", "Quem vem amanhã?", asks=True)

    # joins
    u.chat_member(PY, duda, "2026-03-02T10:00", "left", "member", invite_link=INSTAGRAM)
    u.message(PY, u.next_id(PY), duda, "2026-03-02T10:00", new_chat_members=[duda])  # the same join, told twice
    u.chat_member(PY, edu, "2026-03-02T11:00", "left", "member", invite_link=UNNAMED)
    u.chat_member(PY, fabi, "2026-03-04T09:00", "left", "member", by=ana, via_join_request=True)
    u.added(PY, bia, "2026-03-09T15:00", gil)
    u.chat_member(PY, gil, "2026-03-15T10:00", "member", "left")
    u.chat_member(PY, gil, "2026-03-16T10:00", "left", "member", invite_link=INSTAGRAM)
    u.added(PY, caio, "2026-03-10T09:00", julia)
    u.added(PY, hugo, "2026-03-16T12:00", hugo)
    u.added(PY, ivo, "2026-03-18T12:00", ivo)
    u.left(PY, ivo, "2026-03-19T12:00")
    u.added(PY, ana, "2026-03-10T09:30", BOT)  # a bot: left out

    # questions, answered or not
    u.answer(PY, duda, "2026-03-02T12:00", "Eu vou", to=before)  # a question of the period before
    q1 = u.post(PY, duda, "2026-03-03T09:00", "Alguém sabe configurar o Airflow?", asks=True)
    u.answer(PY, caio, "2026-03-03T09:30", "Sim, veja a documentação", to=q1)
    u.answer(PY, ana, "2026-03-03T10:00", "Eu também sei", to=q1)
    q3 = u.post(PY, ana, "2026-03-10T12:00", "Qual versão usar？", asks=True)
    u.answer(PY, caio, "2026-03-10T14:00", "A 3.12", to=q3)
    q7 = u.post(PY, gil, "2026-03-09T16:00", "Vamos amanhã")
    u.revise(q7, "2026-03-09T16:05", "Vamos amanhã?", asks=True)
    u.answer(PY, bia, "2026-03-09T17:00", "Vamos", to=q7)
    kaio_first = u.post(PY, kaio, "2026-03-11T10:00", "Oi, sou novo")
    u.answer(PY, kaio, "2026-03-11T10:01", "Alguém aí?", to=kaio_first, asks=True)  # a reply, and a question
    q2 = u.post(PY, fabi, "2026-03-14T20:00", "Como faço deploy?", asks=True)
    u.answer(PY, fabi, "2026-03-14T20:10", "Ninguém?", to=q2, asks=True)  # to herself: no answer
    u.answer(PY, bia, "2026-03-16T08:00", "Com o Docker", to=q2)  # 36 hours later
    u.post(PY, kaio, "2026-03-20T21:00", "هل من جديد؟", asks=True)
    u.post(PY, BOT, "2026-03-10T06:00", "Previsão?", asks=True)  # a bot: left out
    # not questions: the question mark is in a link, in code, in a plain address
    text = "veja https://exemplo.com/?q=1"
    u.post(PY, caio, "2026-03-05T10:00", text, domains=["exemplo.com"],
           entities=[entity(text, "url", "https://exemplo.com/?q=1")])  # fmt: skip
    text = "use `a ? b : c` aqui"
    u.post(PY, bia, "2026-03-06T10:00", text, entities=[entity(text, "code", "`a ? b : c`")])
    u.post(PY, ana, "2026-03-07T10:00", "olha www.site.com.br/busca?x=1", domains=["site.com.br"])

    # links
    text = "este vídeo e youtu.be/abc"
    u.post(PY, bia, "2026-03-08T10:00", text, domains=["youtube.com", "youtu.be"], entities=[
        entity(text, "text_link", "este vídeo", url="https://www.youtube.com/watch?v=x"),
        entity(text, "url", "youtu.be/abc")])  # fmt: skip
    text = "t.me/python_br/123 e https://t.me/Python_BR"
    u.post(PY, duda, "2026-03-12T10:00", text, domains=["t.me/python_br"], entities=[entity(text, "url", "t.me/python_br/123")])  # fmt: skip
    u.post(PY, caio, "2026-03-13T10:00", "https://docs.python.org/3/ e https://www.python.org", domains=["python.org"])
    text = "https://github.com/apache/airflow"
    u.post(PY, ana, "2026-03-13T11:00", text, domains=["github.com"], entities=[entity(text, "url", text)])
    u.post(PY, bia, "2026-03-14T11:00", "https://github.com/x", domains=["github.com"])
    text = "mail: ana@exemplo.com"
    u.post(PY, duda, "2026-03-14T12:00", text, entities=[entity(text, "email", "ana@exemplo.com")])

    # forwards
    channel = {"id": CHANNEL, "title": "Canal Python", "type": "channel"}
    u.post(PY, ana, "2026-03-04T12:00", "Novidades", forward_origin={"type": "channel", "chat": channel, "message_id": 5, "date": 1})  # fmt: skip
    renamed = {**channel, "title": "Canal Python BR"}
    u.post(PY, bia, "2026-03-12T12:00", "Mais novidades", forward_origin={"type": "channel", "chat": renamed, "message_id": 9, "date": 1})  # fmt: skip
    u.post(PY, fabi, "2026-03-20T12:00", "De novo", forward_from_chat=renamed, forward_from_message_id=10)
    u.post(PY, caio, "2026-03-06T12:00", "Da Lia", forward_origin={"type": "user", "sender_user": LIA, "date": 1})
    u.post(PY, duda, "2026-03-07T12:00", "Do Zé", forward_origin={"type": "hidden_user", "sender_user_name": "Zé", "date": 1})  # fmt: skip
    u.post(PY, edu, "2026-03-22T08:00", "Do vizinho", forward_origin={"type": "chat", "sender_chat": NEIGHBOUR, "date": 1})  # fmt: skip

    # the last day: airflow surges (5, once before); python does not (6, three times its mean); kotlin, a
    # tracked keyword, surges (5 against 2 in the 28 days before); deploy has too few (4); que is a stopword
    u.post(PY, ana, "2026-03-22T09:00", "python e airflow juntos")
    u.post(PY, bia, "2026-03-22T09:10", "airflow python kotlin")
    u.post(PY, caio, "2026-03-22T10:00", "airflow que python kotlin deploy")
    u.post(PY, duda, "2026-03-22T11:00", "airflow que kotlin python deploy")
    u.post(PY, edu, "2026-03-22T12:00", "que airflow python kotlin deploy")
    u.post(
        PY, ana, "2026-03-22T13:00", "que python Kotlin deploy que"
    )  # the latest; kotlin, as four wrote it, is shown
    u.post(PY, bia, "2026-03-22T14:00", "que legal")
    u.post(PY, hugo, "2026-03-22T23:00", "Alguém vem amanhã que?", asks=True)
    u.post(PY, fabi, "2026-03-14T21:00", "Obrigada")

    # Clube de Leitura, a public group: mari joins by the site's link and answers ivo; nobody answers ana;
    # machado surges on the last day
    u.post(LEITURA, ana, "2026-03-01T10:00", "machado de assis")
    u.post(LEITURA, ivo, "2026-03-02T10:00", "Bom dia")
    u.chat_member(LEITURA, mari, "2026-03-20T10:00", "left", "member", invite_link=SITE)
    q = u.post(LEITURA, ivo, "2026-03-21T10:00", "Qual livro?", asks=True)
    u.answer(LEITURA, mari, "2026-03-21T10:10", "Dom Casmurro", to=q)
    u.post(LEITURA, ana, "2026-03-21T18:00", "Alguém leu Capitu?", asks=True)
    for who, when in ((ana, "09:00"), (ivo, "10:00"), (mari, "11:00"), (ana, "12:00"), (ivo, "13:00")):
        u.post(LEITURA, who, f"2026-03-22T{when}", f"machado às {when}")
    return u


# --------------------------------------------------------------------------- the reference, in Python


def local_day(unix: int) -> date:
    return datetime.fromtimestamp(unix, ZoneInfo(TZ)).date()


def days_of(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def posters_by_day(u: Community) -> dict[int, dict[date, set[int]]]:
    found: dict[int, dict[date, set[int]]] = defaultdict(lambda: defaultdict(set))
    for m in counted_messages(u):
        found[m["chat_id"]][m["day"]].add(m["sender"])
    return found


def activity(u: Community, first: date, last: date, chats: list[int]) -> list[dict]:
    posted = posters_by_day(u)
    rows = []
    for chat in sorted(chats):
        for day in days_of(first, last):

            def active(days: int, chat: int = chat, day: int = day) -> set[int]:
                return set().union(*(posted[chat][day - timedelta(days=n)] for n in range(days)))

            dau, wau, mau = len(active(1)), len(active(7)), len(active(30))
            rows.append(dict(chat_id=chat, date=day, dau=dau, wau=wau, mau=mau, stickiness=dau / mau if mau else None))
    return rows


def retention(u: Community, first: date, last: date) -> list[dict]:
    first_post: dict[tuple[int, int], int] = {}
    for m in counted_messages(u):
        if local_day(m["date"]) <= last:
            key = (m["chat_id"], m["sender"])
            first_post[key] = min(first_post.get(key, m["date"]), m["date"])
    first_join: dict[tuple[int, int], int] = {}
    for chat, member, moment in u.joins:
        first_join[(chat, member)] = min(first_join.get((chat, member), moment), moment)
    cohorts: dict[tuple[int, date], list[tuple[int, bool]]] = defaultdict(list)
    for key in first_post.keys() | first_join.keys():
        seen = min(t for t in (first_post.get(key), first_join.get(key)) if t is not None)
        if first <= local_day(seen) <= last:
            week = local_day(seen) - timedelta(days=local_day(seen).weekday())
            activated = key in first_post and first_post[key] - seen <= 7 * 86400
            cohorts[(key[0], week)].append((key[1], activated))
    posted = posters_by_day(u)
    rows = []
    for (chat, week), members in sorted(cohorts.items()):
        ids = {m for m, _ in members}
        for n in range(((last - timedelta(days=last.weekday())) - week).days // 7 + 1):
            days = [week + timedelta(days=7 * n + d) for d in range(7)]
            active = {s for d in days if first <= d <= last for s in posted[chat][d]} & ids
            rows.append(dict(chat_id=chat, cohort_week=week, week=n, members=len(ids), active=len(active),
                             activated=sum(a for _, a in members)))  # fmt: skip
    return rows


def question_rows(u: Community, first: date, last: date, answer_hours: int = 24):
    """(questions of the range with the seconds to their first answer by someone else (None: none by
    the range's end), every reply of the range to someone else's question of the range or the period
    before it: (chat, replier, seconds))."""
    counted = counted_messages(u)
    by_key = {(m["origin"], m["message_id"]): m for m in counted}
    prev_first = first - (last - first + timedelta(days=1))
    first_answer: dict[tuple[int, int], int] = {}
    answers = []
    for m in counted:
        question = by_key.get((m["origin"], m["reply_to"]))
        if question is None or question["sender"] == m["sender"] or m["day"] > last:
            continue
        key = (question["origin"], question["message_id"])
        if u.asks[key]:
            wait = m["date"] - question["date"]
            first_answer[key] = min(first_answer.get(key, wait), wait)
            if first <= m["day"] and prev_first <= question["day"]:
                answers.append((m["chat_id"], m["sender"], wait))
    questions = [
        (m, first_answer.get((m["origin"], m["message_id"])))
        for m in counted
        if u.asks[(m["origin"], m["message_id"])] and first <= m["day"] <= last
    ]
    return questions, answers


def median(values):
    return statistics.median(values) if values else None


def questions(u: Community, first: date, last: date, chats: list[int], answer_hours: int = 24) -> list[dict]:
    """Per group: asked, answered, the median wait, unanswered (no answer within answer_hours, of the
    questions asked at least answer_hours before the range's end) and waiting (asked later, no answer)."""
    asked, _ = question_rows(u, first, last)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), ZoneInfo(TZ)).timestamp()
    rows = []
    for chat in sorted(chats):
        waits = [(m["date"] + answer_hours * 3600 > end, w) for m, w in asked if m["chat_id"] == chat]
        answered = [w for _, w in waits if w is not None]
        late = [w for recent, w in waits if not recent and (w is None or w > answer_hours * 3600)]
        waiting = [w for recent, w in waits if recent and w is None]
        rows.append(dict(chat_id=chat, asked=len(waits), answered=len(answered), median_answer_seconds=median(answered),
                         unanswered=len(late), waiting=len(waiting)))  # fmt: skip
    return rows


def helpers(u: Community, first: date, last: date, names: dict[int, str]) -> list[dict]:
    _, answers = question_rows(u, first, last)
    waits: dict[tuple[int, int], list[int]] = defaultdict(list)
    for chat, who, wait in answers:
        waits[(chat, who)].append(wait)
    rows = []
    for chat in sorted({c for c, _ in waits}):
        mine = sorted(((who, w) for (c, who), w in waits.items() if c == chat), key=lambda x: (-len(x[1]), x[0]))
        for who, w in mine:
            rank = 1 + sum(len(other) > len(w) for _, other in mine)
            rows.append(dict(chat_id=chat, user_id=who, user_name=names[who], answers=len(w),
                             median_answer_seconds=median(w), rank=rank))  # fmt: skip
    return rows


def links(u: Community, first: date, last: date) -> list[dict]:
    found: dict[tuple[int, str], list[int]] = defaultdict(list)
    for m in counted_messages(u):
        if first <= m["day"] <= last:
            for domain in u.domains[(m["origin"], m["message_id"])]:
                found[(m["chat_id"], domain)].append(m["sender"])
    return ranked(
        [dict(chat_id=c, domain=d, messages=len(s), users=len(set(s))) for (c, d), s in found.items()],
        key=lambda r: (r["messages"], r["users"]),
        order=lambda r: r["domain"],
    )


def ranked(rows: list[dict], key, order) -> list[dict]:
    out = []
    for chat in sorted({r["chat_id"] for r in rows}):
        mine = [r for r in rows if r["chat_id"] == chat]
        for r in mine:
            r["rank"] = 1 + sum(key(o) > key(r) for o in mine)
        out += sorted(mine, key=lambda r: (r["rank"], order(r)))
    return out
