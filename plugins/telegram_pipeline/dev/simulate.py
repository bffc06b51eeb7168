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

import dataclasses
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
# The sender Telegram gives a channel's post it copies into the channel's discussion group.
TELEGRAM_SERVICE = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
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
# The second group: hikers, some of them runners from the first group too; a basic group at first.
HIKING_CHAT = {
    "id": -4012345678,
    "title": "Trilhas e Montanhas SP",
    "type": "group",
    "all_members_are_administrators": False,
}
HIKING_SUPERGROUP = {
    "id": -1002345678901,
    "title": "Trilhas e Montanhas SP",
    "username": "trilhas_sp",
    "type": "supergroup",
}
HIKERS = (5, 12, 0, 20, 8, 15, 24, 27, 2, 18, 29)  # indices into FIRST_NAMES; the last joins along the way
TRAIL_WEEKDAY_VOLUME = [8, 6, 7, 9, 14, 30, 34]
TRAIL_TOPICS: dict[str, dict] = {
    "trilha": {
        "weight": 5,
        "tags": ["#trilha", "#montanha"],
        "lines": [
            "Trilha da Pedra Grande no sábado, saída às {hour}h {emoji} {tag}",
            "Quem topa a trilha do Pico do Jaraguá domingo? {tag}",
            "Fizemos {km}km de trilha hoje, que vista! {emoji}",
            "{mention} vai na trilha de domingo? Levo lanche {emoji}",
            "Trilha cancelada por causa da chuva {emoji}",
        ],
    },
    "equipamento": {
        "weight": 2,
        "tags": ["#bota", "#mochila"],
        "lines": [
            "Alguém indica uma bota para trilha molhada? {tag}",
            "Mochila de 30 litros basta para o bate-volta {emoji}",
            "Bastão de caminhada ajuda muito na descida {tag}",
        ],
    },
    "papo": {
        "weight": 2,
        "tags": ["#trilha"],
        "lines": [
            "Bom dia, montanhistas! {emoji}",
            "Que foto linda, {mention}! {emoji}",
            "Valeu pela companhia {emoji}",
        ],
    },
}
# The news channel whose discussion group the running club is: its posts, copied into the group, and
# what the members comment on them.
CHANNEL_POSTS = [
    "Inscrições abertas para a Meia Maratona de São Paulo 🏃",
    "5 dicas para o seu primeiro longão",
    "Calendário de provas de dezembro: escolha a sua",
    "Como escolher o tênis de corrida certo para você",
    "Treino aberto no Ibirapuera neste sábado, às 7h",
    "Hidratação no calor: o que beber antes, durante e depois",
    "Resultados da Corrida da Primavera 🥇",
]
COMMENTS = ["Bora!", "Já me inscrevi 🙌", "Ótima dica", "Vou participar", "Quero ir também", "Muito bom 👏",
            "Salvei aqui", "Top demais {emoji}"]  # fmt: skip
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


@dataclass(frozen=True)
class GroupPlan:
    """What a simulated group is like: its chat, what its members talk about, how busy it is."""

    chat: dict
    topics: dict[str, dict]
    weekday_volume: list[int]
    members: tuple[int, ...]  # indices into FIRST_NAMES: the same people may be in several groups
    joiners: int  # the last of them join during the simulation
    weather_bot: bool = False
    anonymous_admin: bool = False
    becomes: dict | None = None  # the supergroup a basic group becomes halfway through
    linked_channel: dict | None = None  # the channel whose discussion group it is: its posts copied in


@dataclass
class GroupTraffic:
    """What one group sent, counted by the reports' rules, under its current id."""

    chat_id: int
    title: str
    migrated_from: int | None = None
    messages_by_sender: Counter = field(default_factory=Counter)
    names: dict[int, str] = field(default_factory=dict)
    channel_posts: int = 0  # a discussion group's copies of its channel's posts, no member's messages

    @property
    def messages(self) -> int:
        return sum(self.messages_by_sender.values())

    def top_posters(self, n: int = 5) -> list[tuple[str, int]]:
        return [(self.names[sender], count) for sender, count in self.messages_by_sender.most_common(n)]


@dataclass
class Simulation:
    """The updates in delivery order (a redelivered update appears twice) and what each group sent, counted."""

    deliveries: list[dict]
    chat_id: int  # the first group's
    groups: dict[int, GroupTraffic] = field(default_factory=dict)  # by current chat id, the first group first
    kinds: Counter = field(default_factory=Counter)

    @property
    def messages_by_sender(self) -> Counter:
        return self.groups[self.chat_id].messages_by_sender

    @property
    def names(self) -> dict[int, str]:
        return self.groups[self.chat_id].names

    @property
    def messages(self) -> int:
        return self.groups[self.chat_id].messages

    def top_posters(self, n: int = 5) -> list[tuple[str, int]]:
        return self.groups[self.chat_id].top_posters(n)

    def chat_ids(self) -> set[int]:
        """Every chat id the groups posted under (a migrated group's old one too)."""
        return set(self.groups) | {g.migrated_from for g in self.groups.values() if g.migrated_from}


class _Group:
    """A group while it is being simulated: its chat (which changes when it becomes a supergroup), its
    members, its message ids (a new supergroup numbers them from 1) and its recent messages."""

    def __init__(self, plan: GroupPlan, members: list[Member], first_message_id: int) -> None:
        self.plan, self.chat, self.members = plan, dict(plan.chat), members
        self.next_message_id = first_message_id
        self.recent: list[dict] = []  # for replies and reactions

    def present(self, index: int) -> list[Member]:
        return [m for m in self.members if not m.is_bot and (m.joins_on is None or m.joins_on <= index)]

    def take_message_id(self) -> int:
        self.next_message_id += 1
        return self.next_message_id - 1


class _Clock:
    """The Unix time of a wall-clock time on one day in the group's zone."""

    def __init__(self, day: dt.date, tz: ZoneInfo) -> None:
        self.midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz)

    def at(self, hour: int, minute: int = 0, second: int = 0) -> int:
        return int(self.midnight.replace(hour=hour, minute=minute, second=second).timestamp())


class _Generator:
    def __init__(self, seed: int, start: dt.date, days: int, plans: list[GroupPlan], timezone: str):
        self.rng = random.Random(seed)
        # the channel's posts and their comments draw from a stream of their own: the rest of the traffic
        # is what it was before the running club became the channel's discussion group
        self.channel_rng = random.Random(seed + 1)
        self.start, self.days, self.tz = start, days, ZoneInfo(timezone)
        self.events: list[tuple[int, int, dict]] = []  # (unix time, order, update without update_id)
        people = self._people()
        self.groups = [_Group(plan, self._members(plan, people), self._first_message_id(plan)) for plan in plans]

    def _first_message_id(self, plan: GroupPlan) -> int:
        # A basic group's ids are small; the supergroup it becomes starts again at 1, over the same ids.
        return 1 + self.rng.randrange(20) if plan.becomes else 4000 + self.rng.randrange(1000)

    def _people(self) -> list[Member]:
        """Everyone of FIRST_NAMES, with the id they have in every group."""
        return [
            Member(100000000 + i * 7919 + self.rng.randrange(7919), first, last, username, 0.0, is_premium=self.rng.random() < 0.2)
            for i, (first, last, username) in enumerate(FIRST_NAMES)
        ]  # fmt: skip

    def _members(self, plan: GroupPlan, people: list[Member]) -> list[Member]:
        rng, members = self.rng, []
        joiners_from = len(plan.members) - plan.joiners
        for rank, index in enumerate(plan.members):
            if rank < 3:
                weight = [30.0, 22.0, 16.0][rank]  # the few who carry the conversation
            elif rank < 10:
                weight = rng.uniform(3, 7)
            else:
                weight = rng.uniform(0.3, 2.0)  # the quiet majority
            joins_on = None
            if rank >= joiners_from:
                joins_on = 2 + (rank - joiners_from) * max(1, (self.days - 3) // max(plan.joiners, 1))
                joins_on = min(joins_on, max(0, self.days - 1))
            members.append(dataclasses.replace(people[index], weight=weight, joins_on=joins_on))
        if plan.weather_bot:
            members.append(Member(7000000002, "Clima Corrida", "", "clima_corrida_bot", 0, is_bot=True))
        return members

    # -- text --------------------------------------------------------------------------------------

    def _render(self, group: _Group, template: str, topic: dict | None, author: Member) -> tuple[str, list[dict]]:
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
                others = [m for m in group.members if m.username and not m.is_bot and m.id != author.id]
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

    def _message(self, group: _Group, author: Member | None, when: int, **content) -> dict:
        message: dict = {"message_id": group.take_message_id()}
        if author is not None:
            message["from"] = author.as_user()
        message["chat"] = group.chat
        message["date"] = when
        message.update(content)
        return message

    def _rendered(
        self,
        group: _Group,
        template: str,
        topic: dict | None,
        author: Member,
        text_key: str = "text",
        entities_key: str = "entities",
    ) -> dict:
        """The rendered text under ``text_key``, and its entities under ``entities_key`` if it has any."""
        text, entities = self._render(group, template, topic, author)
        return {text_key: text, entities_key: entities} if entities else {text_key: text}

    def _text_message(self, group: _Group, author: Member, when: int, template: str, topic: dict | None) -> dict:
        return self._message(group, author, when, **self._rendered(group, template, topic, author))

    def _file_id(self, prefix: str) -> tuple[str, str]:
        chars = string.ascii_letters + string.digits + "_-"
        return prefix + "".join(self.rng.choices(chars, k=24)), "AgAD" + "".join(self.rng.choices(chars, k=10))

    def _one_message(self, group: _Group, author: Member, when: int) -> dict:
        rng = self.rng
        roll = rng.random()
        topics = group.plan.topics
        topic = topics[rng.choices(list(topics), weights=[t["weight"] for t in topics.values()])[0]]
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
            caption = self._rendered(group, rng.choice(PHOTO_CAPTIONS), topic, author, "caption", "caption_entities")
            return self._message(group, author, when, photo=sizes, **caption)
        if roll < 0.13:
            emoji, set_name = rng.choice(STICKERS)
            file_id, unique = self._file_id("CAACAgIAAxkBAAI")
            sticker = {"file_id": file_id, "file_unique_id": unique, "type": "regular", "width": 512, "height": 512,
                       "is_animated": True, "is_video": False, "emoji": emoji, "set_name": set_name, "file_size": 30000 + rng.randrange(9000)}  # fmt: skip
            return self._message(group, author, when, sticker=sticker)
        if roll < 0.17:
            file_id, unique = self._file_id("AwACAgEAAxkBAAI")
            voice = {"duration": rng.randrange(3, 60), "mime_type": "audio/ogg", "file_id": file_id, "file_unique_id": unique, "file_size": 4000 + rng.randrange(60000)}  # fmt: skip
            return self._message(group, author, when, voice=voice)
        if roll < 0.20:
            text = self._rendered(group, rng.choice(topic["lines"]), topic, author)
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
            return self._message(group, author, when, forward_origin=origin, **text)
        replyable = [m for m in group.recent[-12:] if when - m["date"] < 6 * 3600]
        if roll < 0.40 and replyable:
            original = rng.choice(replyable)
            message = self._text_message(group, author, when, rng.choice(REPLIES), topic)
            quoted = {
                k: v
                for k, v in original.items()
                if k not in ("reply_to_message", "entities", "caption_entities", "photo", "sticker", "voice")
            }
            message["reply_to_message"] = quoted
            return message
        return self._text_message(group, author, when, rng.choice(topic["lines"]), topic)

    # -- a day ---------------------------------------------------------------------------------------

    def _day(self, index: int, day: dt.date) -> None:
        clock = _Clock(day, self.tz)
        for group in self.groups:
            present = group.present(index)
            if index == 0:
                self._add(clock.at(0, 5), self._bot_added(group, clock.at(0, 5)))
            if group.plan.weather_bot:
                self._weather(group, clock)
            self._joins(group, index, clock, present)
            if group.plan.becomes and index == max(1, self.days // 2):
                self._becomes_supergroup(group, clock.at(0, 1))  # before the day's messages
            self._conversation(group, day, clock, present)
            if group.plan.anonymous_admin and index % 5 == 1:
                self._admin_note(group, index, clock)
            if group.plan.linked_channel:
                self._channel_post(group, index, clock, present)
        self._strangers(clock, self.groups[0].present(index))

    def _weather(self, group: _Group, clock: _Clock) -> None:
        bot = next(m for m in group.members if m.is_bot)
        forecast = f"Previsão para hoje em São Paulo: {self.rng.randrange(14, 31)}°C {self.rng.choice(['☀️', '🌧️', '⛅'])} Bom treino!"
        self._add(clock.at(5, 30), {"message": self._message(group, bot, clock.at(5, 30), text=forecast)})

    def _joins(self, group: _Group, index: int, clock: _Clock, present: list[Member]) -> None:
        """Members whose day it is join (``new_chat_members``, added by someone or by themselves), then say hello."""
        rng = self.rng
        for member in group.members:
            if member.joins_on != index or index == 0:
                continue
            joined = clock.at(rng.randrange(9, 22), rng.randrange(60))
            user = member.as_user()
            inviter = present[0].as_user() if rng.random() < 0.5 else user
            added = {"from": inviter, "new_chat_participant": user, "new_chat_member": user, "new_chat_members": [user]}
            self._add(joined, {"message": self._message(group, None, joined, **added)})
            hello = f"Oi, pessoal! Sou {member.first_name}, prazer em conhecer vocês {rng.choice(EMOJI)}"
            self._add(joined + 60, {"message": self._message(group, member, joined + 60, text=hello)})

    def _becomes_supergroup(self, group: _Group, when: int) -> None:
        """A basic group turns into a supergroup: one service message in each, then the new chat, whose
        message ids start again."""
        admin = group.members[0]
        supergroup = dict(group.plan.becomes)
        old = self._message(group, admin, when, migrate_to_chat_id=supergroup["id"])
        group.chat, group.next_message_id, group.recent = supergroup, 1, []
        new = self._message(group, admin, when, migrate_from_chat_id=old["chat"]["id"])
        self._add(when, {"message": old})
        self._add(when, {"message": new})

    def _conversation(self, group: _Group, day: dt.date, clock: _Clock, present: list[Member]) -> None:
        """The day's messages at the group's rhythm, some edited, some reacted to."""
        rng = self.rng
        volume = int(group.plan.weekday_volume[day.weekday()] * rng.uniform(0.85, 1.15))
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=volume)
        for when in sorted(clock.at(h, rng.randrange(60), rng.randrange(60)) for h in hours):
            author = rng.choices(present, weights=[m.weight for m in present])[0]
            message = self._one_message(group, author, when)
            self._add(when, {"message": message})
            group.recent.append(message)
            if "text" in message and "forward_origin" not in message and rng.random() < 0.05:
                edited_at = when + rng.randrange(30, 900)
                # the usual edit: an afterthought appended, the entities before it unchanged
                edited = dict(message, edit_date=edited_at, text=message["text"] + " " + rng.choice(EDIT_ADDITIONS))
                self._add(edited_at, {"edited_message": edited})
            if rng.random() < 0.06:
                reactor = rng.choice(present)
                reacted_at = when + rng.randrange(20, 1800)
                self._add(reacted_at, {"message_reaction": {"chat": group.chat, "message_id": message["message_id"], "user": reactor.as_user(), "date": reacted_at,
                                                            "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": rng.choice(["🔥", "👏", "❤️", "😂"])}]}})  # fmt: skip

    def _admin_note(self, group: _Group, index: int, clock: _Clock) -> None:
        when = clock.at(self.rng.randrange(10, 18), self.rng.randrange(60))
        note = ADMIN_NOTES[(index // 5) % len(ADMIN_NOTES)]
        anonymous = self._message(
            group, ANONYMOUS_ADMIN_BOT_MEMBER, when, sender_chat=group.chat, author_signature="Moderação", text=note
        )
        self._add(when, {"message": anonymous})

    def _channel_post(self, group: _Group, index: int, clock: _Clock, present: list[Member]) -> None:
        """Most mornings the channel posts; Telegram copies the post into the group (an automatic forward
        from 777000, on behalf of the channel), and members comment on it in its thread."""
        rng, channel = self.channel_rng, group.plan.linked_channel
        if rng.random() < 0.3:
            return
        when = clock.at(rng.randrange(7, 10), rng.randrange(60))
        origin = {"type": "channel", "chat": channel, "message_id": 300 + index, "date": when - 2}
        text = CHANNEL_POSTS[index % len(CHANNEL_POSTS)]
        copy = self._message(group, None, when, sender_chat=channel, forward_origin=origin,
                             is_automatic_forward=True, text=text, **{"from": TELEGRAM_SERVICE})  # fmt: skip
        self._add(when, {"message": copy})
        thread = copy["message_id"]
        quoted = {k: v for k, v in copy.items() if k != "reply_to_message"}
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 9, 12])):
            author = rng.choices(present, weights=[m.weight for m in present])[0]
            said = when + rng.randrange(120, 4 * 3600)
            comment = rng.choice(COMMENTS).replace("{emoji}", rng.choice(EMOJI))
            self._add(said, {"message": self._message(group, author, said, text=comment, reply_to_message=quoted,
                                                      message_thread_id=thread)})  # fmt: skip

    def _strangers(self, clock: _Clock, present: list[Member]) -> None:
        """What the webhook must drop: /start in private chats, a group nobody allowed."""
        rng = self.rng
        for _ in range(rng.randrange(1, 4)):
            when = clock.at(rng.randrange(8, 23), rng.randrange(60))
            stranger = rng.choice(present)
            if rng.random() < 0.5:
                private = {"id": stranger.id, "first_name": stranger.first_name, "type": "private"}
                self._add(when, {"message": self._foreign_message(stranger, when, private, "/start")})
            else:
                text = rng.choice(OTHER_CHAT_TEXTS)
                self._add(when, {"message": self._foreign_message(stranger, when, OTHER_GROUP, text)})

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

    def _bot_added(self, group: _Group, when: int) -> dict:
        admin = group.members[0].as_user()
        return {"my_chat_member": {"chat": group.chat, "from": admin, "date": when,
                                   "old_chat_member": {"user": COLLECTOR_BOT, "status": "left"},
                                   "new_chat_member": {"user": COLLECTOR_BOT, "status": "administrator", "can_be_edited": False, "can_manage_chat": True,
                                                       "can_delete_messages": False, "can_invite_users": True, "is_anonymous": False}}}  # fmt: skip

    def run(self) -> Simulation:
        for index in range(self.days):
            self._day(index, self.start + dt.timedelta(days=index))
        self.events.sort(key=lambda event: (event[0], event[1]))
        first_update_id = 700000000 + self.rng.randrange(10**8)
        updates = [{"update_id": first_update_id + offset, **body} for offset, (_, _, body) in enumerate(self.events)]
        simulation = Simulation(deliveries=list(updates), chat_id=self.groups[0].plan.chat["id"])
        # Telegram delivers an update again when it did not see our answer: one redelivery, late.
        if updates:
            simulation.deliveries.append(updates[len(updates) // 2])
        self._count(simulation, updates)
        return simulation

    def _count(self, simulation: Simulation, updates: list[dict]) -> None:
        """What each group sent, by the reports' rules: each message once (per chat and id), service
        messages and bots left out, an anonymous admin counting for the group."""
        current = {}
        for group in self.groups:
            traffic = GroupTraffic(group.chat["id"], group.chat["title"])
            if group.plan.becomes:
                traffic.migrated_from = group.plan.chat["id"]
            simulation.groups[traffic.chat_id] = traffic
            current.update({group.plan.chat["id"]: traffic, group.chat["id"]: traffic})
        seen: set[tuple[int, int]] = set()
        for update in updates:
            kind = next(k for k in update if k != "update_id")
            simulation.kinds[kind] += 1
            body = update[kind]
            traffic = current.get(body.get("chat", {}).get("id"))
            if kind != "message" or traffic is None or (body["chat"]["id"], body["message_id"]) in seen:
                continue
            if {"new_chat_members", "migrate_to_chat_id", "migrate_from_chat_id"} & set(body):
                continue
            seen.add((body["chat"]["id"], body["message_id"]))
            if body.get("is_automatic_forward"):
                traffic.channel_posts += 1  # the channel's post copied into its discussion group: not the group's
                continue
            if "sender_chat" in body:
                sender, name = body["sender_chat"]["id"], body["sender_chat"]["title"]
            elif body["from"]["is_bot"]:
                continue  # bots are not counted among the posters
            else:
                sender = body["from"]["id"]
                name = " ".join(p for p in (body["from"]["first_name"], body["from"].get("last_name")) if p)
            traffic.messages_by_sender[sender] += 1
            traffic.names[sender] = name
        simulation.kinds["duplicate deliveries"] = len(simulation.deliveries) - len(updates)
        simulation.kinds["from other chats"] = sum(
            1 for u in updates if "message" in u and u["message"]["chat"]["id"] not in current
        )


ANONYMOUS_ADMIN_BOT_MEMBER = Member(
    id=ANONYMOUS_ADMIN_BOT["id"], first_name="Group", last_name="", username="GroupAnonymousBot", weight=0, is_bot=True
)


def running_club(chat_id: int = DEFAULT_CHAT_ID) -> GroupPlan:
    chat = {"id": chat_id, "title": GROUP_TITLE, "username": GROUP_USERNAME, "type": "supergroup"}
    return GroupPlan(chat, TOPICS, WEEKDAY_VOLUME, tuple(range(len(FIRST_NAMES))), JOINERS, weather_bot=True,
                     anonymous_admin=True, linked_channel=NEWS_CHANNEL)  # fmt: skip


def hiking_group() -> GroupPlan:
    """A smaller group, busy at weekends; a basic group that becomes a supergroup halfway through."""
    return GroupPlan(HIKING_CHAT, TRAIL_TOPICS, TRAIL_WEEKDAY_VOLUME, HIKERS, joiners=1, becomes=HIKING_SUPERGROUP)


def generate(
    seed: int = 7,
    start: dt.date | None = None,
    days: int = 14,
    chat_id: int = DEFAULT_CHAT_ID,
    timezone: str = "America/Sao_Paulo",
    second_group: bool = False,
) -> Simulation:
    """The group's traffic for ``days`` days from ``start``, the same for the same arguments; with
    ``second_group``, a hiking group's too (some people are in both), which becomes a supergroup."""
    start = start or dt.date.fromisoformat(DEFAULT_START)
    if days < 1:
        raise ValueError("--days must be at least 1")
    plans = [running_club(chat_id), *([hiking_group()] if second_group else [])]
    return _Generator(seed, start, days, plans, timezone).run()


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
