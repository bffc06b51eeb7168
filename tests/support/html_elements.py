"""A page's start tags with their attributes, to find its charts, bars and cells by what they carry; and
the text it shows, to find what is isolated from the page's own words."""

from __future__ import annotations

from html.parser import HTMLParser


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


class ShownText(HTMLParser):
    """The text a reader sees on a page, each piece with whether it is isolated from the page's own text
    (inside a <bdi>, or an SVG label between Unicode's isolates)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.pieces: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)

    def handle_endtag(self, tag):
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data):
        if data.strip() and not {"style", "title"} & set(self.open):
            isolated = "bdi" in self.open or (data.startswith("\u2068") and data.endswith("\u2069"))
            self.pieces.append((data, isolated))


def shown_text(html: str) -> list[tuple[str, bool]]:
    """Each piece of text a reader sees on the page, with whether it is isolated."""
    parser = ShownText()
    parser.feed(html)
    return parser.pieces
