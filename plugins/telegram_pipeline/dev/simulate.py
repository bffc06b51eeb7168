"""A living Telegram group, simulated: reproducible traffic for the demo, the tests and load runs.

``generate()`` builds two weeks (or any number of days) of a running club's group in São Paulo from
a seed: members with different habits (a few very active, many quiet, a bot, an anonymous admin,
people joining), a daily rhythm in the group's time zone, Portuguese text on recurring topics with
hashtags, mentions, links and emoji, edits, replies, forwards, photos, stickers, voice notes,
reactions, one duplicate delivery and some updates from chats the webhook must not keep.

``send()`` delivers them the way Telegram does: one POST per update with the
``X-Telegram-Bot-Api-Secret-Token`` header, several in flight at once, and a retry with growing
backoff after a 5xx or a connection error.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import string
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram_pipeline.lake.parse import utf16_len

DEFAULT_CHAT_ID = -1001234567890
DEFAULT_START = "2026-11-02"
GROUP_TITLE = "Grupo de Corrida SP"
GROUP_USERNAME = "corrida_sp"
OTHER_GROUP = {"id": -1005555555555, "title": "Vendas e Trocas", "type": "supergroup"}
NEWS_CHANNEL = {"id": -1009876543210, "title": "Notícias da Corrida", "username": "noticias_corrida", "type": "channel"}
ANONYMOUS_ADMIN_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
COLLECTOR_BOT = {"id": 7000000001, "is_bot": True, "first_name": "Coletor", "username": "coletor_bot"}

# Messages per hour of the day (local time): quiet nights, runners at dawn, lunch, busy evenings.
HOUR_WEIGHTS = [0.3, 0.1, 0.05, 0.05, 0.2, 1.5, 3.0, 2.6, 1.8, 1.4, 1.2, 1.3,
                2.2, 2.0, 1.2, 1.2, 1.3, 1.8, 2.6, 3.6, 4.6, 4.4, 3.0, 1.2]  # fmt: skip
# Messages per day by weekday (Monday first): Saturday's long run is the week's event.
WEEKDAY_VOLUME = [70, 64, 76, 70, 56, 112, 62]

FIRST_NAMES = [
    ("Ana", "Souza", "ana_souza"), ("João", "Pereira", "joaop"), ("Mariana", "Costa", "mari_costa"),
    ("Pedro", "Almeida", "pedroalmeida"), ("Beatriz", "Lima", None), ("Lucas", "Oliveira", "lucas_oli"),
    ("Camila", "Rocha", "camirocha"), ("Rafael", "Santos", None), ("Juliana", "Ribeiro", "ju_ribeiro"),
    ("Gustavo", "Ferreira", "gugaferreira"), ("Fernanda", "Carvalho", None), ("Thiago", "Martins", "thiagom"),
    ("Larissa", "Gomes", "lari_gomes"), ("Bruno", "Araújo", None), ("Patrícia", "Barbosa", "paty_b"),
    ("Felipe", "Cardoso", "felipecardoso"), ("Aline", "Teixeira", None), ("Rodrigo", "Mendes", "rod_mendes"),
    ("Vanessa", "Dias", "vanessadias"), ("Diego", "Castro", None), ("Renata", "Moreira", "renatamoreira"),
    ("Marcelo", "Nunes", "marcelo_nunes"), ("Tatiane", "Freitas", None), ("André", "Correia", "andrecorreia"),
    ("Priscila", "Monteiro", "pri_monteiro"), ("Eduardo", "Pinto", None), ("Letícia", "Cavalcanti", "leticiac"),
    ("Vinícius", "Batista", "vini_batista"), ("Carla", "", None), ("Otávio", "Ramos", "otavioramos"),
]  # fmt: skip
JOINERS = 4  # the last names of the list join during the simulation

TOPICS: dict[str, dict] = {
    "treino": {
        "weight": 5,
        "tags": ["#treino", "#corrida", "#ibirapuera"],
        "lines": [
            "Bom dia! Treino amanhã às {hour}h no Ibirapuera {emoji} {tag}",
            "Alguém topa um intervalado hoje à noite no Ibirapuera? {tag}",
            "Fiz {km}km hoje com pace de 5:{sec} {emoji}",
            "Treino de tiro na pista do Ibirapuera foi pesado hoje {emoji}",
            "{mention} bora treinar amanhã cedo? Saída às {hour}h do portão 3",
            "Hoje o treino foi regenerativo, {km}km leves {emoji} {tag}",
            "Quem vai no treino de quinta? Vou puxar o pace de 6:00",
            "Que treino bom hoje! Obrigado pela companhia {mention} {emoji}",
        ],
    },
    "longao": {
        "weight": 3,
        "tags": ["#longao", "#corrida"],
        "lines": [
            "Longão de sábado: saída às 6h da USP, {km}km {tag}",
            "Alguém vai no longão de sábado? {emoji}",
            "Longão feito! {km}km na USP com a galera {emoji} {tag}",
            "Pessoal, o longão de sábado vai ter apoio de hidratação no km 10 {tag}",
            "Rota do longão de sábado: {url}",
        ],
    },
    "prova": {
        "weight": 3,
        "tags": ["#maratona", "#saosilvestre", "#meiamaratona"],
        "lines": [
            "Inscrições abertas para a São Silvestre! {url} {tag}",
            "Quem vai correr a maratona de São Paulo? {tag}",
            "Resultado da prova de domingo: {km}km em {hour}h{sec} {emoji} {tag}",
            "Alguém tem dica de hotel perto da largada da maratona? {tag}",
            "Fechei a inscrição da meia maratona, quem mais vai? {emoji} {tag}",
            "{mention} você vai na prova de domingo? Vamos juntos {emoji}",
        ],
    },
    "equipamento": {
        "weight": 2,
        "tags": ["#tenis", "#garmin"],
        "lines": [
            "Alguém recomenda um tênis para longão? O meu já passou dos 600km {tag}",
            "Comprei um relógio Garmin novo, o GPS é muito melhor {emoji} {tag}",
            "Promoção de tênis de corrida aqui: {url}",
            "Meia de compressão ajuda mesmo na recuperação? {emoji}",
            "{mention} qual tênis você usa nos treinos de tiro?",
        ],
    },
    "saude": {
        "weight": 2,
        "tags": ["#fisioterapia", "#alongamento"],
        "lines": [
            "Meu joelho está doendo depois do longão, alguém indica fisioterapia? {tag}",
            "Não esqueçam o alongamento depois do treino {emoji} {tag}",
            "Hidratação é tudo nesse calor, levem água {emoji}",
            "Voltando de lesão, hoje só caminhada {emoji}",
            "Dica de gel de carboidrato para a maratona? {tag}",
        ],
    },
    "papo": {
        "weight": 3,
        "tags": ["#corrida"],
        "lines": [
            "Bom dia, pessoal! {emoji}",
            "Kkkkk muito bom {emoji}",
            "Boa! {emoji}",
            "Que calor hoje em São Paulo {emoji}",
            "Choveu muito no Ibirapuera, treino cancelado? {emoji}",
            "Parabéns pela prova, {mention}! {emoji}",
            "Valeu, pessoal! {emoji}",
        ],
    },
}
EMOJI = ["🏃‍♀️", "🏃", "💪", "🔥", "👏", "😂", "🙌", "👟", "☀️", "🌧️", "❤️", "😅", "🥇"]
LINKS = [
    "https://www.strava.com/activities/{n}",
    "https://exemplo.com.br/rota-usp",
    "https://www.instagram.com/p/C{code}/",
    "https://inscricoes.exemplo.com.br/sao-silvestre",
    "https://loja.exemplo.com.br/tenis-corrida?utm=grupo",
]
REPLIES = ["Boa!", "Tô dentro {emoji}", "Vou sim!", "Concordo", "Kkkk verdade", "Que show {emoji}",
           "Obrigado pela dica {emoji}", "Eu vou também", "Não consigo dessa vez", "Alguém dá carona?"]  # fmt: skip
ADMIN_NOTES = ["Lembrete: sem propaganda no grupo, por favor.",
               "Bem-vindos aos novos membros! Leiam a mensagem fixada.",
               "Pessoal, o longão de sábado está confirmado. #longao"]  # fmt: skip
STICKERS = [("👏", "HotCherry"), ("😂", "RunnerCats"), ("🏃", "RunnerCats"), ("🔥", "HotCherry")]
PHOTO_CAPTIONS = ["Longão de hoje com a galera {emoji} {tag}", "Minha medalha da prova {emoji} {tag}",
                  "Pôr do sol no Ibirapuera durante o treino {emoji}", "Tênis novo chegou! {tag}"]  # fmt: skip
EDIT_ADDITIONS = ["✅", "👍", "🙏", "😅", "!!"]
OTHER_CHAT_TEXTS = [
    "Vendo bicicleta aro 29",
    "Alguém tem barraca para trocar?",
    "Oi, pessoal!",
    "Alguém vende um Garmin usado?",
]


@dataclass
class Member:
    id: int
    first_name: str
    last_name: str
    username: str | None
    weight: float
    is_bot: bool = False
    joins_on: int | None = None  # day index, None = a member from the start
    is_premium: bool = False

    def as_user(self) -> dict:
        user: dict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if not self.is_bot:
            user["language_code"] = "pt-br"
        if self.is_premium:
            user["is_premium"] = True
        return user


@dataclass
class Simulation:
    """The updates in delivery order (a redelivered update appears twice) and what was sent, counted."""

    deliveries: list[dict]
    chat_id: int
    messages_by_sender: Counter = field(default_factory=Counter)  # sender id -> messages, by the reports' rule
    names: dict[int, str] = field(default_factory=dict)
    kinds: Counter = field(default_factory=Counter)

    @property
    def messages(self) -> int:
        return sum(self.messages_by_sender.values())

    def top_posters(self, n: int = 5) -> list[tuple[str, int]]:
        return [(self.names[sender], count) for sender, count in self.messages_by_sender.most_common(n)]


class _Generator:
    def __init__(self, seed: int, start: dt.date, days: int, chat_id: int, timezone: str):
        self.rng = random.Random(seed)
        self.start, self.days, self.tz = start, days, ZoneInfo(timezone)
        self.chat = {"id": chat_id, "title": GROUP_TITLE, "username": GROUP_USERNAME, "type": "supergroup"}
        self.events: list[tuple[int, int, dict]] = []  # (unix time, order, update without update_id)
        self.next_message_id = 4000 + self.rng.randrange(1000)
        self.members = self._members()
        self.recent: list[dict] = []  # recent messages of the group, for replies and reactions

    def _members(self) -> list[Member]:
        rng = self.rng
        members = []
        joiners_from = len(FIRST_NAMES) - JOINERS
        for index, (first, last, username) in enumerate(FIRST_NAMES):
            if index < 3:
                weight = [30.0, 22.0, 16.0][index]  # the few who carry the conversation
            elif index < 10:
                weight = rng.uniform(3, 7)
            else:
                weight = rng.uniform(0.3, 2.0)  # the quiet majority
            joins_on = None
            if index >= joiners_from:
                joins_on = 2 + (index - joiners_from) * max(1, (self.days - 3) // JOINERS)
                joins_on = min(joins_on, max(0, self.days - 1))
            members.append(
                Member(
                    id=100000000 + index * 7919 + rng.randrange(7919),
                    first_name=first,
                    last_name=last,
                    username=username,
                    weight=weight,
                    joins_on=joins_on,
                    is_premium=rng.random() < 0.2,
                )
            )
        members.append(
            Member(
                id=7000000002,
                first_name="Clima Corrida",
                last_name="",
                username="clima_corrida_bot",
                weight=0,
                is_bot=True,
            )
        )
        return members

    # -- text --------------------------------------------------------------------------------------

    def _render(self, template: str, topic: dict | None, author: Member) -> tuple[str, list[dict]]:
        """The text and its entities, offsets and lengths counted in UTF-16 code units as Telegram does."""
        rng = self.rng
        text, entities = "", []
        for piece in re.split(r"(\{\w+\})", template):
            kind, value = None, piece
            if piece == "{emoji}":
                value = rng.choice(EMOJI)
            elif piece == "{tag}":
                kind, value = "hashtag", rng.choice(topic["tags"] if topic else ["#corrida"])
            elif piece == "{mention}":
                others = [m for m in self.members if m.username and not m.is_bot and m.id != author.id]
                kind, value = "mention", "@" + rng.choice(others).username
            elif piece == "{url}":
                kind = "url"
                value = rng.choice(LINKS).format(
                    n=rng.randrange(10**9, 10**10), code="".join(rng.choices(string.ascii_letters, k=9))
                )
            elif piece == "{km}":
                value = str(rng.choice([5, 8, 10, 12, 15, 16, 18, 21, 25, 30]))
            elif piece == "{hour}":
                value = str(rng.choice([5, 6, 7]))
            elif piece == "{sec}":
                value = f"{rng.randrange(60):02d}"
            if kind:
                entities.append({"offset": utf16_len(text), "length": utf16_len(value), "type": kind})
            text += value
        return text, entities

    # -- updates -----------------------------------------------------------------------------------

    def _add(self, when: int, update: dict) -> None:
        self.events.append((when, len(self.events), update))

    def _message(self, author: Member | None, when: int, chat: dict | None = None, **content) -> dict:
        message: dict = {"message_id": self.next_message_id}
        self.next_message_id += 1
        if author is not None:
            message["from"] = author.as_user()
        message["chat"] = chat or self.chat
        message["date"] = when
        message.update(content)
        return message

    def _rendered(
        self, template: str, topic: dict | None, author: Member, text_key: str = "text", entities_key: str = "entities"
    ) -> dict:
        """The rendered text under ``text_key``, and its entities under ``entities_key`` if it has any."""
        text, entities = self._render(template, topic, author)
        return {text_key: text, entities_key: entities} if entities else {text_key: text}

    def _text_message(self, author: Member, when: int, template: str, topic: dict | None) -> dict:
        return self._message(author, when, **self._rendered(template, topic, author))

    def _file_id(self, prefix: str) -> tuple[str, str]:
        chars = string.ascii_letters + string.digits + "_-"
        return prefix + "".join(self.rng.choices(chars, k=24)), "AgAD" + "".join(self.rng.choices(chars, k=10))

    def _one_message(self, author: Member, when: int) -> dict:
        rng = self.rng
        roll = rng.random()
        topic_name = rng.choices(list(TOPICS), weights=[t["weight"] for t in TOPICS.values()])[0]
        topic = TOPICS[topic_name]
        if roll < 0.06:
            sizes = []
            for width, height, size in ((90, 67, 1520), (320, 240, 14200), (1280, 960, 88100)):
                file_id, unique = self._file_id("AgACAgEAAxkBAAI")
                sizes.append(
                    {
                        "file_id": file_id,
                        "file_unique_id": unique,
                        "file_size": size + rng.randrange(900),
                        "width": width,
                        "height": height,
                    }
                )
            caption = self._rendered(rng.choice(PHOTO_CAPTIONS), topic, author, "caption", "caption_entities")
            return self._message(author, when, photo=sizes, **caption)
        if roll < 0.13:
            emoji, set_name = rng.choice(STICKERS)
            file_id, unique = self._file_id("CAACAgIAAxkBAAI")
            sticker = {"file_id": file_id, "file_unique_id": unique, "type": "regular", "width": 512, "height": 512,
                       "is_animated": True, "is_video": False, "emoji": emoji, "set_name": set_name, "file_size": 30000 + rng.randrange(9000)}  # fmt: skip
            return self._message(author, when, sticker=sticker)
        if roll < 0.17:
            file_id, unique = self._file_id("AwACAgEAAxkBAAI")
            voice = {"duration": rng.randrange(3, 60), "mime_type": "audio/ogg", "file_id": file_id, "file_unique_id": unique, "file_size": 4000 + rng.randrange(60000)}  # fmt: skip
            return self._message(author, when, voice=voice)
        if roll < 0.20:
            text = self._rendered(rng.choice(topic["lines"]), topic, author)
            origin = {
                "type": "channel",
                "chat": NEWS_CHANNEL,
                "message_id": rng.randrange(50, 500),
                "date": when - rng.randrange(600, 86400),
            }
            if rng.random() < 0.3:
                origin = {
                    "type": "hidden_user",
                    "sender_user_name": "Corredor Anônimo",
                    "date": when - rng.randrange(600, 86400),
                }
            return self._message(author, when, forward_origin=origin, **text)
        replyable = [m for m in self.recent[-12:] if when - m["date"] < 6 * 3600]
        if roll < 0.40 and replyable:
            original = rng.choice(replyable)
            message = self._text_message(author, when, rng.choice(REPLIES), topic)
            quoted = {
                k: v
                for k, v in original.items()
                if k not in ("reply_to_message", "entities", "caption_entities", "photo", "sticker", "voice")
            }
            message["reply_to_message"] = quoted
            return message
        return self._text_message(author, when, rng.choice(topic["lines"]), topic)

    def _day(self, index: int, day: dt.date) -> None:
        rng = self.rng
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)

        def at(hour: int, minute: int = 0, second: int = 0) -> int:
            return int(midnight.replace(hour=hour, minute=minute, second=second).timestamp())

        present = [m for m in self.members if not m.is_bot and (m.joins_on is None or m.joins_on <= index)]
        bot = next(m for m in self.members if m.is_bot)
        if index == 0:
            self._add(at(0, 5), self._bot_added(at(0, 5)))
        self._add(
            at(5, 30),
            {
                "message": self._message(
                    bot,
                    at(5, 30),
                    text=f"Previsão para hoje em São Paulo: {rng.randrange(14, 31)}°C {rng.choice(['☀️', '🌧️', '⛅'])} Bom treino!",
                )
            },
        )
        for member in self.members:
            if member.joins_on == index and index > 0:
                joined = at(rng.randrange(9, 22), rng.randrange(60))
                user = member.as_user()
                inviter = present[0].as_user() if rng.random() < 0.5 else user
                self._add(
                    joined,
                    {
                        "message": self._message(
                            None,
                            joined,
                            **{
                                "from": inviter,
                                "new_chat_participant": user,
                                "new_chat_member": user,
                                "new_chat_members": [user],
                            },
                        )
                    },
                )
                # a newcomer says hello soon after
                self._add(
                    joined + 60,
                    {
                        "message": self._message(
                            member,
                            joined + 60,
                            text=f"Oi, pessoal! Sou {member.first_name}, comecei a correr este ano {rng.choice(EMOJI)}",
                        )
                    },
                )
        volume = int(WEEKDAY_VOLUME[day.weekday()] * rng.uniform(0.85, 1.15))
        times = sorted(
            at(h, rng.randrange(60), rng.randrange(60)) for h in rng.choices(range(24), weights=HOUR_WEIGHTS, k=volume)
        )
        for when in times:
            author = rng.choices(present, weights=[m.weight for m in present])[0]
            message = self._one_message(author, when)
            self._add(when, {"message": message})
            self.recent.append(message)
            if "text" in message and "forward_origin" not in message and rng.random() < 0.05:
                edited_at = when + rng.randrange(30, 900)
                # the usual edit: an afterthought appended, the entities before it unchanged
                edited = dict(message, edit_date=edited_at, text=message["text"] + " " + rng.choice(EDIT_ADDITIONS))
                self._add(edited_at, {"edited_message": edited})
            if rng.random() < 0.06:
                reactor = rng.choice(present)
                reacted_at = when + rng.randrange(20, 1800)
                self._add(reacted_at, {"message_reaction": {"chat": self.chat, "message_id": message["message_id"], "user": reactor.as_user(), "date": reacted_at,
                                                            "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": rng.choice(["🔥", "👏", "❤️", "😂"])}]}})  # fmt: skip
        if index % 5 == 1:
            when = at(rng.randrange(10, 18), rng.randrange(60))
            anonymous = self._message(
                ANONYMOUS_ADMIN_BOT_MEMBER,
                when,
                sender_chat=self.chat,
                author_signature="Moderação",
                text=ADMIN_NOTES[(index // 5) % len(ADMIN_NOTES)],
            )
            self._add(when, {"message": anonymous})
        for _ in range(rng.randrange(1, 4)):
            when = at(rng.randrange(8, 23), rng.randrange(60))
            stranger = rng.choice(present)
            if rng.random() < 0.5:
                private = {"id": stranger.id, "first_name": stranger.first_name, "type": "private"}
                self._add(when, {"message": self._foreign_message(stranger, when, private, "/start")})
            else:
                self._add(
                    when, {"message": self._foreign_message(stranger, when, OTHER_GROUP, rng.choice(OTHER_CHAT_TEXTS))}
                )

    def _foreign_message(self, author: Member, when: int, chat: dict, text: str) -> dict:
        message = {
            "message_id": self.rng.randrange(10, 5000),
            "from": author.as_user(),
            "chat": chat,
            "date": when,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"offset": 0, "length": utf16_len(text), "type": "bot_command"}]
        return message

    def _bot_added(self, when: int) -> dict:
        admin = self.members[0].as_user()
        return {"my_chat_member": {"chat": self.chat, "from": admin, "date": when,
                                   "old_chat_member": {"user": COLLECTOR_BOT, "status": "left"},
                                   "new_chat_member": {"user": COLLECTOR_BOT, "status": "administrator", "can_be_edited": False, "can_manage_chat": True,
                                                       "can_delete_messages": False, "can_invite_users": True, "is_anonymous": False}}}  # fmt: skip

    def run(self) -> Simulation:
        for index in range(self.days):
            self._day(index, self.start + dt.timedelta(days=index))
        self.events.sort(key=lambda event: (event[0], event[1]))
        first_update_id = 700000000 + self.rng.randrange(10**8)
        updates = [{"update_id": first_update_id + offset, **body} for offset, (_, _, body) in enumerate(self.events)]
        simulation = Simulation(deliveries=list(updates), chat_id=self.chat["id"])
        # Telegram delivers an update again when it did not see our answer: one redelivery, late.
        if updates:
            simulation.deliveries.append(updates[len(updates) // 2])
        self._count(simulation, updates)
        return simulation

    def _count(self, simulation: Simulation, updates: list[dict]) -> None:
        seen: set[int] = set()
        for update in updates:
            kind = next(k for k in update if k != "update_id")
            simulation.kinds[kind] += 1
            body = update[kind]
            if kind != "message" or body["chat"]["id"] != self.chat["id"]:
                continue
            if "new_chat_members" in body or body["message_id"] in seen:
                continue
            seen.add(body["message_id"])
            if "sender_chat" in body:
                sender, name = body["sender_chat"]["id"], body["sender_chat"]["title"]
            elif body["from"]["is_bot"]:
                continue  # bots are not counted among the posters
            else:
                sender = body["from"]["id"]
                name = " ".join(p for p in (body["from"]["first_name"], body["from"].get("last_name")) if p)
            simulation.messages_by_sender[sender] += 1
            simulation.names[sender] = name
        simulation.kinds["duplicate deliveries"] = len(simulation.deliveries) - len(updates)
        simulation.kinds["from other chats"] = sum(
            1 for u in updates if "message" in u and u["message"]["chat"]["id"] != self.chat["id"]
        )


ANONYMOUS_ADMIN_BOT_MEMBER = Member(
    id=ANONYMOUS_ADMIN_BOT["id"], first_name="Group", last_name="", username="GroupAnonymousBot", weight=0, is_bot=True
)


def generate(
    seed: int = 7,
    start: dt.date | None = None,
    days: int = 14,
    chat_id: int = DEFAULT_CHAT_ID,
    timezone: str = "America/Sao_Paulo",
) -> Simulation:
    """The group's traffic for ``days`` days from ``start``, the same for the same arguments."""
    start = start or dt.date.fromisoformat(DEFAULT_START)
    if days < 1:
        raise ValueError("--days must be at least 1")
    return _Generator(seed, start, days, chat_id, timezone).run()


def encode(update: dict) -> bytes:
    return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class SendResult:
    delivered: int = 0  # answered 2xx
    rejected: int = 0  # answered 4xx: Telegram gives up on those
    failed: int = 0  # still 5xx or unreachable after every attempt
    retries: int = 0
    statuses: Counter = field(default_factory=Counter)


def send(
    deliveries: list[dict],
    url: str,
    secret: str,
    concurrency: int = 8,
    attempts: int = 6,
    backoff: float = 0.2,
    timeout: float = 10.0,
) -> SendResult:
    """POST every update like Telegram: the secret header, ``concurrency`` in flight, retry on 5xx."""
    result = SendResult()

    def deliver(update: dict) -> tuple[int, int]:
        body = encode(update)
        retries = 0
        for attempt in range(attempts):
            request = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
            )
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return response.status, retries
            except urllib.error.HTTPError as error:
                status = error.code
                if status < 500:
                    return status, retries
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = 0
            if attempt + 1 < attempts:
                retries += 1
                time.sleep(min(backoff * 2**attempt, 5.0))
        return status, retries

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for status, retries in pool.map(deliver, deliveries):
            result.statuses[status] += 1
            result.retries += retries
            if 200 <= status < 300:
                result.delivered += 1
            elif 400 <= status < 500:
                result.rejected += 1
            else:
                result.failed += 1
    return result


def write(deliveries: list[dict], out: str) -> int:
    """Each delivery as a file, numbered in delivery order (the redelivered update has two files)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for index, update in enumerate(deliveries, 1):
        (folder / f"{index:06d}_{update['update_id']}.json").write_bytes(encode(update))
    return len(deliveries)
