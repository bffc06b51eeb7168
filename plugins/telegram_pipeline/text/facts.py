"""What consolidation reads from a message's text besides its words, once, so that no report has to
search millions of texts again: whether it asks a question, and the registered domains of its links.

- **A question** has a question mark of any script (``QUESTION_MARKS``: ``?`` ``؟`` ``？`` ``¿`` ``՞``
  ``፧`` …) outside its links and its code: the spans its entities mark as a URL, a text link, an
  e-mail, code or a pre block are left out (``lake/parse.py``'s ``blanked``), and so is any plain address
  (``http://…``, ``https://…``, ``www.…``) no entity marks.
- **A link's domain** is its host's registered domain (one label below its public suffix:
  ``shop.example.co.uk`` → ``example.co.uk``), lower-cased, by the Public Suffix List's ICANN section
  as the ``publicsuffixlist`` package ships it (never downloaded at run time); Telegram's own links keep
  their first path part (``https://t.me/python_br/12`` → ``t.me/python_br``), which names the channel,
  group or bot they lead to. An IP address or a host without a public suffix (``localhost``) is its own
  domain. Links come from the url and text_link entities (``urls``) and the plain addresses of the text.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urlsplit

# Every punctuation mark (category Po) whose Unicode name says QUESTION, and the two question mark emoji.
# tests/unit/test_text_facts.py derives the same set from Python's Unicode database.
QUESTION_MARKS = frozenset(
    "?"  # U+003F QUESTION MARK
    "¿"  # U+00BF INVERTED QUESTION MARK (Spanish opens a question with it)
    "\u037e"  # GREEK QUESTION MARK
    "՞"  # U+055E ARMENIAN QUESTION MARK
    "؟"  # U+061F ARABIC QUESTION MARK
    "፧"  # U+1367 ETHIOPIC QUESTION MARK
    "᥅"  # U+1945 LIMBU QUESTION MARK
    "⁇⁈⁉"  # U+2047..2049 DOUBLE, QUESTION EXCLAMATION, EXCLAMATION QUESTION MARK
    "⳺⳻"  # U+2CFA, U+2CFB COPTIC OLD NUBIAN DIRECT and INDIRECT QUESTION MARK
    "⸮"  # U+2E2E REVERSED QUESTION MARK
    "⹔"  # U+2E54 MEDIEVAL QUESTION MARK
    "꘏"  # U+A60F VAI QUESTION MARK
    "꛷"  # U+A6F7 BAMUM QUESTION MARK
    "︖"  # U+FE16 PRESENTATION FORM FOR VERTICAL QUESTION MARK
    "﹖"  # U+FE56 SMALL QUESTION MARK
    "？"  # U+FF1F FULLWIDTH QUESTION MARK
    "\U00011143"  # CHAKMA QUESTION MARK
    "\U0001e95f"  # ADLAM INITIAL QUESTION MARK
    "❓❔"  # U+2753, U+2754 the question mark emoji
)
# Entities whose text is an address or code, where a question mark asks nothing.
NOT_ASKING = frozenset({"url", "text_link", "email", "code", "pre"})
# A plain address in a text: a scheme or www. up to the next space; the punctuation that ends a
# sentence is not part of it.
PLAIN_URL = re.compile(r"(?i)(?:\bhttps?://|\bwww\.)[^\s<>\"']+")
URL_END = ".,;:!?)]}'\"»…"
TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
WEB_SCHEMES = frozenset({"http", "https", "ftp"})


def _may_hold_url(text: str) -> bool:
    """Whether ``text`` holds what every plain address does, ``://`` or a ``w.`` (of ``www.``, in any
    case): a quick test before PLAIN_URL reads the text, three substring searches where a regular
    expression of both took twice as long as all three."""
    return "://" in text or "w." in text or "W." in text


_has_question_mark = re.compile("[" + re.escape("".join(sorted(QUESTION_MARKS))) + "]").search


def may_ask(text: str | None) -> bool:
    """Whether ``text`` has a question mark at all (most texts do not: nothing more to look at)."""
    return text is not None and _has_question_mark(text) is not None


def asks(text_without_entities: str) -> bool:
    """Whether a text whose links and code entities are blanked out (``lake/parse.py``'s ``blanked``)
    asks a question."""
    return _has_question_mark(PLAIN_URL.sub(" ", text_without_entities)) is not None


def plain_urls(text: str | None) -> list[str]:
    if not text or not _may_hold_url(text):
        return []
    return [match.rstrip(URL_END) for match in PLAIN_URL.findall(text)]


def link_domains(urls: list[str], text: str | None) -> list[str]:
    """The distinct domains (sorted) of the message's links: its url and text_link entities' ``urls``
    and the plain addresses of its ``text``; empty when it has none (stored as NULL)."""
    plain = plain_urls(text)
    if not urls and not plain:
        return []
    found = {domain for url in [*urls, *plain] if (domain := link_domain(url)) is not None}
    return sorted(found)


@functools.lru_cache(maxsize=65536)
def link_domain(url: str) -> str | None:
    """The registered domain of one link (``t.me/<first path part>`` for Telegram's), lower-cased;
    None for what is no web address (``tg://…``, ``mailto:…``, a host that cannot be read). Cached:
    a chat shares the same links again and again."""
    address = url.strip()
    if "://" not in address:
        if ":" in address.split("/", 1)[0] and not address.lower().startswith("www."):
            return None  # mailto:, tg:… without slashes
        address = "http://" + address
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return None
    host = host.rstrip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    if host in TELEGRAM_HOSTS:
        first = parts.path.strip("/").split("/", 1)[0].lower()
        return f"t.me/{first}" if first else "t.me"
    return registered_domain(host)


@functools.lru_cache(maxsize=65536)
def registered_domain(host: str) -> str | None:
    if not host or any(char.isspace() for char in host):
        return None
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


@functools.cache
def _suffixes():
    from publicsuffixlist import PublicSuffixList

    # the ICANN section only: github.io, blogspot.com and the like are one site, not one per account
    return PublicSuffixList(only_icann=True)
