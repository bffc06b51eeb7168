"""What consolidation finds in a message's text (text/facts.py, through parse): questions in any
script outside links and code, and the registered domains of links; each case stated by hand."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from telegram_pipeline.lake import parse
from telegram_pipeline.text import facts


def test_the_question_marks_are_unicodes_own():
    """Every punctuation mark whose Unicode name says QUESTION, and the two question mark emoji."""
    named = {
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Po" and "QUESTION" in unicodedata.name(chr(code), "")
    }
    assert facts.QUESTION_MARKS == named | {"❓", "❔"}


def row(text: str, *entities: tuple[str, str], **extra) -> dict:
    """The row of a message whose entities mark the given (type, substring) spans (UTF-16 offsets)."""
    marked = []
    for kind, part in entities:
        offset = len(text[: text.index(part)].encode("utf-16-le")) // 2
        marked.append({"type": kind, "offset": offset, "length": len(part.encode("utf-16-le")) // 2, **extra})
    body = {"message_id": 1, "date": 1773000000, "chat": {"id": -1001, "type": "supergroup"}, "text": text}
    if marked:
        body["entities"] = marked
    return parse.parse(json.dumps({"update_id": 1, "message": body}).encode())


@pytest.mark.parametrize(
    ("text", "entities", "asks"),
    [
        ("Alguém vem amanhã?", [], True),
        ("¿Vienes mañana?", [], True),
        ("هل من جديد؟", [], True),
        ("明天来吗？", [], True),
        ("Ինչպե՞ս ես", [], True),
        ("Sério ❓", [], True),
        ("Vou amanhã.", [], False),
        ("veja https://exemplo.com/?q=1", [("url", "https://exemplo.com/?q=1")], False),
        ("veja isto", [("text_link", "isto")], False),  # a text link's address is not in the text at all
        ("use `a ? b : c` no C", [("code", "`a ? b : c`")], False),
        ("x = y if z else w ?\nfim", [("pre", "x = y if z else w ?")], False),
        ("olha www.site.com.br/busca?x=1 aí", [], False),  # a plain address, no entity
        ("olha http://site.com/?x=1, funciona?", [], True),  # the address left out, the question stays
        ("quem@exemplo.com?", [("email", "quem@exemplo.com")], True),
    ],
)
def test_questions(text, entities, asks):
    assert row(text, *entities)["is_question"] is asks


def test_no_text_is_no_question_and_a_caption_can_ask():
    body = {"message_id": 1, "date": 1773000000, "chat": {"id": -1001, "type": "supergroup"}}
    sticker = parse.parse(json.dumps({"update_id": 1, "message": {**body, "sticker": {}}}).encode())
    photo = parse.parse(json.dumps({"update_id": 2, "message": {**body, "photo": [], "caption": "Onde?"}}).encode())
    assert (sticker["is_question"], photo["is_question"]) == (None, True)


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Example.COM/a", "example.com"),
        ("http://shop.example.co.uk/x", "example.co.uk"),
        ("github.com/apache/airflow", "github.com"),
        ("https://user.github.io/page", "github.io"),  # the ICANN section: one site, not one per account
        ("https://g1.globo.com/sp", "globo.com"),
        ("https://t.me/Python_BR/123", "t.me/python_br"),
        ("https://telegram.me/python_br", "t.me/python_br"),
        ("https://t.me/+AbCdEf", "t.me/+abcdef"),
        ("https://t.me", "t.me"),
        ("http://192.168.0.10:8080/x", "192.168.0.10"),
        ("http://localhost:8080/", "localhost"),
        ("https://пример.рф/путь", "пример.рф"),
        ("HTTPS://EXEMPLO.COM.BR", "exemplo.com.br"),
        ("tg://resolve?domain=x", None),
        ("mailto:ana@exemplo.com", None),
        ("https://", None),
    ],
)
def test_link_domain(url, domain):
    assert facts.link_domain(url) == domain


def test_link_domains_of_a_message():
    text = "Leia https://docs.python.org/3/ e github.com/apache/airflow, depois www.python.org. Fim."
    found = row(text, ("url", "github.com/apache/airflow"), ("text_link", "Fim"), url="https://youtu.be/x")
    assert found["link_domains"] == ["github.com", "python.org", "youtu.be"]
    assert row("sem links, ana@exemplo.com", ("email", "ana@exemplo.com"))["link_domains"] is None


@pytest.mark.parametrize(
    "text",
    ["Veja WWW.Exemplo.com.br/rota!", "ou HTTPS://t.me/corrida_sp/12.", "nada aqui", "hTTp://x.org e www.y.com"],
)
def test_plain_addresses_in_any_case_are_found_as_by_reading_the_whole_text(text):
    """plain_urls looks at a text with PLAIN_URL only when it may hold an address: the same links as
    reading every text."""
    reading_all = [match.rstrip(facts.URL_END) for match in facts.PLAIN_URL.findall(text)]
    assert facts.plain_urls(text) == reading_all
    assert facts.link_domains([], text) == sorted({facts.link_domain(url) for url in reading_all} - {None})
