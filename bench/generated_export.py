"""A Telegram Desktop export ("Export chat history", machine-readable JSON) of a busy group, generated.

Written as Telegram Desktop writes one: indented one space a level, UTF-8 as is, ``date`` in the
exporting machine's local time (UTC−3) beside ``date_unixtime``. A supergroup that began as a basic
group (``migrate_from_group`` first), 200 people of whom a few carry the conversation, quiet nights and
busy evenings, about 890 messages a day (a million messages span 1,124 days). Messages are Portuguese
texts with entities (hashtags, mentions, links, bold, text links, emoji), photos with or without a
caption, stickers, voice and video messages, videos, GIFs, files, polls; replies, edits, forwards,
anonymous admins and reactions (with the recent reactors); service messages: members invited,
joining by link, removed, pins, a new title or photo.

    generate(path, messages, seed) -> size in bytes     (the same arguments give the same file)
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import time
from pathlib import Path

NAME, EXPORT_ID = "Grupo de Corrida SP", 1234567890
START = 1_609_470_000  # 2021-01-01 00:00 at UTC−3
LOCAL_OFFSET = 3 * 3600
SECONDS_PER_MESSAGE = 97  # of the group's active time: ~890 messages a day
# Share of a day's messages in each hour (local time): quiet nights, a dawn peak, busy evenings.
HOURLY = (1, 0.5, 0.3, 0.2, 0.4, 2, 5, 5, 4, 4, 4, 4, 5, 4, 4, 4, 4, 5, 6, 8, 9, 8, 5, 2)
WORDS = (
    "de que e o a do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu "
    "sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos "
    "ter seus quem nas me esse eles estão você tinha foram essa num nem suas meu às minha têm numa pelos elas "
    "treino corrida amanhã domingo sábado prova maratona ritmo tênis parque ibirapuera pace quilômetros "
    "hidratação alongamento inscrição resultado chuva manhã cedo grupo encontro café longão tiro intervalado "
    "relógio lesão joelho fisioterapia medalha largada chegada percurso subida descida trilha noite pessoal "
    "bora vamos hoje semana treinador planilha recuperação gel água camiseta kit retirada pódio recorde"
).split()
EMOJI = ("🏃‍♀️", "🏃", "👏", "🔥", "💪", "😂", "❤️", "👍", "🎉", "🙏", "😅", "🥇")
REACTIONS = ("👍", "❤", "🔥", "👏", "😁", "🎉", "🤯", "🙏")
NO_FILE = "(File not included. Change data exporting settings to download.)"


def _word_weights() -> list[float]:
    return list(itertools.accumulate(1 / (rank + 1.5) for rank in range(len(WORDS))))


class _Group:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.users = [(f"user{100000000 + i}", f"Pessoa {i}") for i in range(200)]
        self.word_weights = _word_weights()
        self.hours = list(itertools.accumulate(HOURLY))

    def moment(self, index: int) -> int:
        """Unix time of the index-th message: the group's active time laid over each day's hours."""
        active = index * SECONDS_PER_MESSAGE
        day, into = divmod(active, 86400)
        share = into / 86400 * self.hours[-1]
        hour = bisect.bisect_right(self.hours, share)
        before = self.hours[hour - 1] if hour else 0
        second = int((hour + (share - before) / HOURLY[hour]) * 3600)
        return START + day * 86400 + min(second, 86399)

    def sender(self) -> tuple[str, str]:
        return self.users[min(int(self.rng.paretovariate(1.2)) - 1, len(self.users) - 1)]

    def sentence(self) -> str:
        return " ".join(self.rng.choices(WORDS, cum_weights=self.word_weights, k=self.rng.randint(2, 24)))

    def text_parts(self) -> list:
        rng = self.rng
        parts: list = [self.sentence()]
        if rng.random() < 0.2:
            parts += [" ", {"type": "hashtag", "text": f"#{rng.choice(WORDS[96:])}"}]
        if rng.random() < 0.15:
            parts += [" ", {"type": "mention", "text": f"@pessoa{rng.randint(0, 199)}"}]
        if rng.random() < 0.08:
            parts += [" ", {"type": "link", "text": f"https://exemplo.com.br/rota/{rng.randint(1, 500)}"}]
        if rng.random() < 0.05:
            parts += [" ", {"type": "bold", "text": self.sentence()}]
        if rng.random() < 0.03:
            parts += [" ", {"type": "text_link", "text": "inscrições", "href": "https://corrida.exemplo.com/inscricao"}]
        if rng.random() < 0.2:
            parts.append(" " + rng.choice(EMOJI))
        return parts

    def reactions(self, unix: int) -> list:
        found = []
        for emoji in self.rng.sample(REACTIONS, self.rng.choice((1, 1, 1, 2, 3))):
            count = self.rng.choice((1, 1, 2, 3, 5, 8))
            recent = []
            for n in range(min(count, 3)):
                from_id, name = self.sender()
                when = unix + 60 * (n + 1)
                recent.append({"from": name, "from_id": from_id, "date": _local(when)})
            found.append({"type": "emoji", "count": count, "emoji": emoji, "recent": recent})
        return found


def _local(unix: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unix - LOCAL_OFFSET))


def _service(group: _Group, message: dict, actor: tuple[str, str]) -> dict:
    rng = group.rng
    message.update(type="service", actor=actor[1], actor_id=actor[0])
    kind = rng.random()
    if kind < 0.35:
        message.update(action="invite_members", members=[rng.choice(group.users)[1]])
    elif kind < 0.7:
        message.update(action="join_group_by_link", inviter="Group")
    elif kind < 0.85:
        message.update(action="remove_members", members=[rng.choice(group.users)[1]])
    elif kind < 0.95:
        message.update(action="pin_message", message_id=max(1, message["id"] - rng.randint(1, 50)))
    elif kind < 0.98:
        message.update(action="edit_group_title", title=NAME)
    else:
        message.update(action="edit_group_photo", photo=NO_FILE, width=640, height=640)
    message["text"], message["text_entities"] = "", []
    return message


def _media(group: _Group, message: dict, kind: float) -> bool:
    """Add a media member for ``kind``; whether the message keeps a text (a caption, for media)."""
    rng = group.rng
    if kind < 0.10:
        message.update(photo=NO_FILE, width=1280, height=960)
        return rng.random() < 0.4
    if kind < 0.15:
        message.update(file=NO_FILE, media_type="sticker", sticker_emoji=rng.choice(EMOJI), width=512, height=512)
    elif kind < 0.19:
        message.update(
            file=NO_FILE, media_type="voice_message", mime_type="audio/ogg", duration_seconds=rng.randint(2, 90)
        )
    elif kind < 0.20:
        message.update(
            file=NO_FILE, media_type="video_message", mime_type="video/mp4", duration_seconds=12, width=384, height=384
        )
    elif kind < 0.215:
        message.update(
            file=NO_FILE, media_type="video_file", mime_type="video/mp4", duration_seconds=34, width=1280, height=720
        )
        return rng.random() < 0.5
    elif kind < 0.225:
        message.update(file=NO_FILE, media_type="animation", mime_type="video/mp4", width=320, height=240)
    elif kind < 0.23:
        message.update(file=NO_FILE, file_name="planilha.pdf", mime_type="application/pdf")
        return True
    elif kind < 0.232:
        answers = [{"text": text, "voters": rng.randint(0, 20), "chosen": False} for text in ("sim", "não", "talvez")]
        message["poll"] = {
            "question": "Vai no longão de sábado?",
            "closed": False,
            "total_voters": 30,
            "answers": answers,
        }
    else:
        return True
    return False


def message(group: _Group, message_id: int, unix: int) -> dict:
    """One exported message (or service message) of the group."""
    rng = group.rng
    from_id, name = group.sender()
    found: dict = {"id": message_id, "type": "message", "date": _local(unix), "date_unixtime": str(unix)}
    if message_id == 1:
        found.update(type="service", actor=name, actor_id=from_id, action="migrate_from_group", title=NAME)
        found["text"], found["text_entities"] = "", []
        return found
    kind = rng.random()
    if kind < 0.012:
        return _service(group, found, (from_id, name))
    if rng.random() < 0.01:  # an anonymous admin
        found.update({"from": NAME, "from_id": f"channel{EXPORT_ID}", "author": "Moderação"})
    else:
        found.update({"from": name, "from_id": from_id})
    texted = _media(group, found, rng.random())
    if texted and rng.random() < 0.05:
        found.update(edited=_local(unix + 90), edited_unixtime=str(unix + 90))
    if rng.random() < 0.15 and message_id > 2:
        found["reply_to_message_id"] = message_id - min(message_id - 1, int(rng.expovariate(1 / 8)) + 1)
    elif rng.random() < 0.03:
        found["forwarded_from"] = rng.choice(("Notícias da Corrida", "Pessoa 7", "Clube de Corrida RJ"))
    parts = group.text_parts() if texted else []
    text_entities = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]
    found["text"] = parts[0] if len(parts) == 1 else parts
    found["text_entities"] = text_entities
    if not parts:
        found["text"] = ""
    if rng.random() < 0.12:
        found["reactions"] = group.reactions(unix)
    return found


def generate(path: Path, messages: int, seed: int = 7) -> int:
    """Write an export of ``messages`` messages to ``path``; returns its size in bytes."""
    group = _Group(seed)
    with open(path, "w", encoding="utf-8") as out:
        out.write(f'{{\n "name": "{NAME}",\n "type": "public_supergroup",\n "id": {EXPORT_ID},\n "messages": [')
        for message_id in range(1, messages + 1):
            body = json.dumps(message(group, message_id, group.moment(message_id)), ensure_ascii=False, indent=1)
            out.write(("\n  " if message_id == 1 else ",\n  ") + body.replace("\n", "\n  "))
        out.write("\n ]\n}\n")
    return path.stat().st_size


if __name__ == "__main__":
    import sys

    print(generate(Path(sys.argv[1]), int(sys.argv[2])))
