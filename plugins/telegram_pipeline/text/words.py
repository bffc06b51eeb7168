"""The word rule: how a text becomes the terms the keywords report counts, the search finds and the
tracked keywords match. Consolidation stores each message's terms (``terms``, with the form each was
written in at the same position, ``term_forms``); the reports count what is stored and never take a
text apart again.

A text, in the language ``text/language.py`` found for it:

- **Normalised** as Unicode says: NFKC, case folded; Arabic and Persian vowel marks, Quranic signs
  and tatweel dropped and the letter variants unified (أ إ آ ٱ → ا, ي ى → ی, ك → ک, ة ۀ → ه), Hebrew
  points dropped; variation selectors dropped; ’ ‘ ʼ ʻ read as '.
- **Cut into words** by its script: a word is letters, combining marks and digits, with ' and the
  zero-width (non-)joiner kept inside it (Persian ``همنشین‌اش`` and Sinhala conjuncts stay whole); in
  French, Italian, Catalan and Irish, what an apostrophe ends is an elided word of its own
  (``l'``, ``dell'``, ``c'``), no term.
  Chinese (Han) is segmented by jieba's dictionary (``rjieba``, the Rust port: the same words,
  0.2 s to load, ~10 µs a message); kana, Thai, Lao, Khmer and Myanmar, written without spaces and
  with no dictionary here, as overlapping bigrams (Lucene's CJK analyzer). URLs, e-mail addresses
  and @mentions are no words; hashtags are terms of their own, with their ``#``.
- **Terms**: words of 3 letters or more and Han words of 2 characters or more, unless they are
  stopwords of the language (``stopwordsiso``, corrected for chat by ``text/chat_words.py``) or
  laughter (one or two letters again and again: ``kkkk``, ``ahahah``, ``ахахах``, ``wkwk``, ``ههههه``,
  ``哈哈哈``); and two-letter words written in capitals, acronyms (``ИИ``, ``AI``, ``UX``; the lists hold
  ``ai`` for other reasons), unless chat words (``OK``). A term is the word's Snowball
  stem (``snowballstemmer``) where the language has one (Russian's twice where the second pass takes
  off an ending, two letters or more: ``диплом``, ``диплому``, ``дипломом`` are one term, ``видео``
  and ``виды`` two); the report shows it as the latest message using it wrote it.
- **Phrases**: two different terms one after the other, or with one stopword between (``corrida de rua``),
  with nothing but spaces and hyphens around it, are a phrase too: key ``"corr rua"``.
- **Names**: a stopword written with a capital inside a sentence, then a term written with one, are a
  phrase too (``em São Paulo``: key ``"são paul"``), though the stopword is no term.

Each term once per message, sorted. Everything per word (normalising, stopword, stem) is computed
once per distinct word and language, and cached: a day's texts repeat their words.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import regex

from telegram_pipeline.text import chat_words, language

# Letters of the scripts written without spaces: Han goes to the dictionary, the others to bigrams.
_BIGRAM_SCRIPTS = r"\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}ー"
_NO_SPACES = r"\p{Han}" + _BIGRAM_SCRIPTS
_TOKEN = regex.compile(
    r"(?P<skip>(?i:[a-z][a-z0-9+.-]*://\S+|www\.\S+|t\.me/\S+)"
    r"|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+|@[\p{L}\p{N}_]+)"
    r"|(?P<tag>\#[\p{L}\p{M}\p{N}_]*[\p{L}][\p{L}\p{M}\p{N}_]*)"
    r"|(?P<han>\p{Han}+)"
    rf"|(?P<grams>[{_BIGRAM_SCRIPTS}][{_BIGRAM_SCRIPTS}\p{{M}}]*)"
    rf"|(?P<word>[[\p{{L}}]--[{_NO_SPACES}]]"
    rf"(?:[[\p{{L}}\p{{M}}\p{{N}}]--[{_NO_SPACES}]]|[\u200c\u200d](?=[\p{{L}}\p{{M}}])|'(?=\p{{L}}))*)"
    r"|(?P<number>\p{N}+)",
    regex.V1,
)
_GRAPHEMES = regex.compile(r"\X")
# A time zone written with its offset (a Chinese channel's footer "（UTC+8）" made UTC its top topic);
# "UTC" alone is still a word (a group may talk about it).
_TIME_ZONES = frozenset({"utc", "gmt"})
_ZONE_OFFSET = regex.compile(r"[+\-\u2212\u00b1]\d")
_TWO_LETTERS = regex.compile(r"(?<![\p{L}\p{M}\p{N}'])\p{L}\p{M}*\p{L}\p{M}*(?![\p{L}\p{M}\p{N}])")
# Laughter: a word of 3 letters or more written with the letters of one of these alone ("kkkk", "rsrs",
# "hahaha", "jajaja", "hehe", "wkwk", "ахахах", "хехе", "ههههه", "خخخ"); a Chinese word of these
# characters alone ("哈哈哈", "呵呵", "嘻嘻").
_LAUGHTER = tuple(
    frozenset(letters) for letters in ("ah", "k", "rs", "ja", "je", "he", "hi", "wk", "ах", "хе", "хи", "ه", "خ")
)
_HAN_LAUGHTER = frozenset("哈呵嘻嘿")
# Between the two words of a phrase (and the one stopword a phrase may hold): only these.
_JOINING = "-"
# Arabic-script marks (harakat, superscript alef, Quranic signs) and tatweel; Hebrew points.
_MARKS = {
    code: None
    for first, last in ((0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED), (0x0640, 0x0640))
    + ((0x0591, 0x05C7),)
    for code in range(first, last + 1)
    if not (0x05D0 <= code <= 0x05EA)
}
# The alef forms are one letter before the stemmer reads a word; yeh, kaf and teh marbuta (which Arabic
# and Persian write apart) after it, in the term.
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_LETTER_VARIANTS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه"}
)
_NEEDS_MARKS_DROPPED = regex.compile(r"[\u0590-\u05FF\u0600-\u06FF]")

SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian",
    "ms": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian", "ne": "nepali",
    "no": "norwegian", "nb": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
# Snowball's Russian and Serbian take one ending off at a time: диплом → дипл, but дипломом → диплом.
STEMMED_TWICE = frozenset({"ru", "sr"})
# The script each language with a stemmer or a stopword list writes, for what a user types.
SCRIPTS = {
    "Latn": (
        "af br ca cs da de en eo es et eu fi fr ga gl ha hr hu id it ku la lt lv ms nl no pl pt ro sk sl so st "
        "sv sw tl tr uz vi yo zu"
    ).split(),
    "Cyrl": ["ru", "uk", "bg", "sr"],
    "Arab": ["ar", "fa", "ur"],
    "Deva": ["hi", "mr", "ne"],
    "Hani": ["zh", "ja"],
    "Kana": ["ja"],
}
_LATIN = frozenset([*SCRIPTS["Latn"], None])
# Stopword lists written otherwise than their language's text: Greek's without its accents (αλλα for
# αλλά), with ∆ for δ in places, so a word is looked up there without accents too; Lithuanian's in
# Windows-1257 bytes read as Latin-1 (prieð for prieš), read back as it was written.
_ACCENTLESS_LISTS = frozenset({"el"})
_MISREAD_LISTS = {"lt": "cp1257"}
# Languages that elide an article, pronoun or preposition before a vowel (French l'hôtel, c'est, j'ai;
# Italian dell'hotel, l'ho, c'è; Catalan l'aigua; Irish d'fhág), the ones Lucene's analyzers read with
# its ElisionFilter: what stands before the apostrophe is a word of its own, and never a term.
ELIDING = frozenset({"fr", "it", "ca", "ga"})


def _without_accents(word: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFD", word) if not unicodedata.combining(char))


def _as_written(word: str, encoding: str) -> str:
    try:
        return word.encode("latin-1").decode(encoding)
    except UnicodeError:  # a character beyond Latin-1: the word was not misread
        return word


@dataclass
class Lexicon:
    """What one language does with a word: its stopwords, its stemmer, and the words already seen."""

    language: str | None
    stopwords: frozenset[str]  # the language's list and its chat words, but its content words
    chat_words: frozenset[str]
    stem: object | None
    twice: bool
    filler_stems: frozenset[str]  # every word of one of these stems is no term (chat_words.IN_EVERY_FORM)
    accentless: bool = False  # its stopword list is written without accents: a word is looked up so too
    elides: bool = False  # an apostrophe ends an elided word (ELIDING)
    seen: dict[str, str] = field(default_factory=dict)  # written word -> its key, "" for no term
    pieces: dict[str, tuple] = field(default_factory=dict)  # run of non-space characters -> its pieces
    strings: dict[tuple, str] = field(default_factory=dict)  # the parts of a phrase -> the phrase

    def key(self, word: str) -> str:
        """The word's term, "" where it is none (a stopword, too short, no letter). A Latin-script word
        in a language of another script ("PM" in Arabic, "friends" in Russian) is read as English."""
        known = self.seen.get(word)
        if known is None:
            if word[0] < "\u0250" and self.language not in _LATIN:
                known = self.seen[word] = lexicon("en").key(word)
            else:
                known = self.seen[word] = self._key(word)
        return known

    def _key(self, word: str) -> str:
        folded = word.casefold()
        if _NEEDS_MARKS_DROPPED.search(folded):
            folded = folded.translate(_MARKS).translate(_ALEF)
        letters = len(folded) - folded.count("\u200c") - folded.count("\u200d")
        if letters < 3:
            # two letters in capitals are an acronym (ИИ, AI, UX): a term unless a chat word (OK)
            if letters == 2 and word.isupper() and folded not in self.chat_words:
                return folded
            return ""
        if self._as_listed(folded) in self.stopwords or laughter(folded):
            return ""
        stem = stemmed(folded, self.stem, self.twice)
        return "" if stem in self.filler_stems else stem.translate(_LETTER_VARIANTS)

    def _as_listed(self, folded: str) -> str:
        """A folded word as the stopword list writes it."""
        listed = folded.translate(_LETTER_VARIANTS)
        return _without_accents(listed) if self.accentless else listed

    def is_stopword(self, word: str) -> bool:
        return self._as_listed(word.casefold()) in self.stopwords

    def name_key(self, word: str) -> str:
        """The key a stopword has as the first word of a name (``são`` of ``são paul``): folded, not stemmed."""
        return word.casefold().translate(_LETTER_VARIANTS)

    def joined(self, parts: tuple[str, str, str]) -> str:
        """The parts of a phrase (or of its form) as one string, the same object every time: a day's
        messages repeat their phrases, and a string kept once is memory the day does not take again."""
        found = self.strings.get(parts)
        if found is None:
            if len(self.strings) >= _STRINGS_KEPT:
                self.strings.clear()
            found = self.strings[parts] = "".join(parts)
        return found

    def learn(self, run: str) -> tuple:
        """The pieces of a run of non-space characters not seen before (``_pieces``), kept."""
        pieces = self.pieces[run] = _pieces(run, self)
        return pieces


def laughter(folded: str) -> bool:
    return len(folded) >= 3 and any(letters.issuperset(folded) for letters in _LAUGHTER)


def stemmed(folded: str, stemmer: object | None, twice: bool) -> str:
    """The stem of a folded word (a two-letter one, an acronym, is its own). Snowball's Russian reads a
    word ending like a case ending as inflected (``диплом`` → ``дипл``, but ``дипломом`` → ``диплом``):
    a second pass takes that ending off too, where it is one (two letters or more); a single letter
    more is the stem's own (``видео`` → ``виде``, not ``вид``, which is ``виды``)."""
    if stemmer is None or len(folded) < 3:
        return folded
    stem = stemmer.stemWord(folded)
    if twice:
        again = stemmer.stemWord(stem)
        if len(stem) - len(again) >= 2:
            return again
    return stem


# Languages whose stopwords are read together: CLD2 tells Indonesian from Malay by a few words only.
STOPWORDS_TOGETHER = {"id": ("id", "ms"), "ms": ("ms", "id")}


@functools.cache
def lexicon(language: str | None) -> Lexicon:
    import snowballstemmer
    import stopwordsiso

    words: set[str] = set()
    chat: frozenset[str] = frozenset()
    kept: frozenset[str] = frozenset()
    for code in STOPWORDS_TOGETHER.get(language, (language,)):
        if code and code not in chat_words.LISTS_NOT_READ and stopwordsiso.has_lang(code):
            encoding = _MISREAD_LISTS.get(code)
            words |= {_as_written(word, encoding) if encoding else word for word in stopwordsiso.stopwords(code)}
        chat |= chat_words.OF_LANGUAGE.get(code, frozenset())
        kept |= chat_words.CONTENT_WORDS.get(code, frozenset())
    stopwords = frozenset(
        word.casefold().translate(_MARKS).translate(_LETTER_VARIANTS) for word in (words - kept) | chat
    )
    accentless = language in _ACCENTLESS_LISTS
    if accentless:
        stopwords = frozenset(_without_accents(word.replace("∆", "δ")) for word in stopwords)
    stemmer = snowballstemmer.stemmer(SNOWBALL[language]) if language in SNOWBALL else None
    twice = language in STEMMED_TWICE
    filler = frozenset(stemmed(word, stemmer, twice) for word in chat_words.IN_EVERY_FORM.get(language, ()))
    return Lexicon(language, stopwords, chat, stemmer, twice, filler, accentless, language in ELIDING)


@functools.cache
def _jieba():
    import rjieba

    return rjieba


_STRINGS_KEPT = 200_000  # phrases a lexicon keeps as one object (a few MiB)
# What a stretch of text is, for the terms and the phrases (``_pieces``); NAMING is a stopword that may
# begin a name (``São`` of ``São Paulo``).
TERM, BETWEEN, ALONE, BREAK, NAMING = 0, 1, 2, 3, 4
# Languages that write every noun with a capital: there a capital says nothing of a name (German's
# polite ``Sie``, ``Ihr`` before any noun).
_NOUNS_CAPITALISED = frozenset({"de", "lb"})


def normalized(text: str) -> str:
    """NFKC (where the text is not ASCII), variation selectors dropped, ’ ‘ ʼ ʻ read as '."""
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    for old, new in _SIMPLIFIED:
        if old in text:
            text = text.replace(old, new)
    return text


# The apostrophe as languages write it inside a word: ’, ‘ (a real Ukrainian chat's обов‘язково),
# Ukrainian's ʼ, Uzbek's ʻ (oʻzbek); read as one, so the word is whole and one word however typed.
_SIMPLIFIED = (("\ufe0e", ""), ("\ufe0f", ""), ("’", "'"), ("‘", "'"), ("ʼ", "'"), ("ʻ", "'"))


def terms_of(text: str | None, language_code: str | None) -> tuple[list[str], list[str]] | None:
    """(terms, the form each was first written in) of ``text`` in ``language_code``, sorted by term:
    words, hashtags and two-word phrases; None without text. A text is read a line at a time, a
    line a run of non-space characters at a time (``_pieces``, cached: chat repeats them)."""
    if text is None:
        return None
    words = lexicon(language_code)
    known = words.pieces.get
    joined, kept = words.joined, words.strings.get  # (the lookup inline: a call costs as much as it)
    forms: dict[str, str] = {}
    add = forms.setdefault
    for line in normalized(text).splitlines():
        previous = ""  # the term a phrase may start with ("" for none), and its form so far
        written = ""
        spanned = False  # a stopword stands between that term and here
        named = False  # the line holds a stopword that may begin a name: its names are read after it
        for run in line.split():
            pieces = known(run) or words.learn(run)
            for kind, key, form, joiner in pieces:
                if kind == TERM:
                    add(key, form)
                    if previous and previous != key:
                        phrase, phrase_form = (previous, " ", key), (written, joiner, form)
                        add(kept(phrase) or joined(phrase), kept(phrase_form) or joined(phrase_form))
                    previous, written, spanned = key, form, False
                elif kind == BETWEEN:
                    if previous:
                        if spanned:
                            previous = ""
                        else:
                            phrase_form = (written, joiner, form)
                            written, spanned = kept(phrase_form) or joined(phrase_form), True
                elif kind == NAMING:  # spanned as any stopword (above); a branch of its own costs a BETWEEN nothing
                    named = True
                    if previous:
                        if spanned:
                            previous = ""
                        else:
                            phrase_form = (written, joiner, form)
                            written, spanned = kept(phrase_form) or joined(phrase_form), True
                else:
                    if kind == ALONE:
                        add(key, form)
                    previous = ""
        if named:
            for phrase, phrase_form in _names(line, words):
                add(kept(phrase) or joined(phrase), kept(phrase_form) or joined(phrase_form))
    keys = sorted(forms)
    return keys, [forms[key] for key in keys]


def _pieces(run: str, words: Lexicon) -> tuple[tuple[int, str, str, str], ...]:
    """A run of non-space characters as (kind, key, form, what joins it to the piece before): terms,
    the stopwords, short words and numbers a phrase may span (BETWEEN), terms no phrase holds (ALONE:
    hashtags, bigrams), and BREAK where punctuation, a URL or a mention stands."""
    pieces: list[tuple[int, str, str, str]] = []
    last_end = 0
    for match in _TOKEN.finditer(run):
        start, end = match.span()
        gap = run[last_end:start]
        if gap.strip(_JOINING):
            pieces.append((BREAK, "", "", ""))
        joiner = gap if start else " "
        last_end = end
        kind, token = match.lastgroup, match.group()
        if kind == "word":
            if _ZONE_OFFSET.match(run, end) and token.casefold() in _TIME_ZONES:
                pieces.append((BREAK, "", "", ""))  # "UTC+8", "GMT-3": when something was, not what
                continue
            if words.elides and "'" in token:
                token, joiner = _elided(token, joiner, words, pieces)
            key = words.key(token)
            if key:
                pieces.append((TERM, key, token, joiner))
            elif _may_begin_a_name(token, words):
                pieces.append((NAMING, words.name_key(token), token, joiner))
            else:
                pieces.append((BETWEEN, "", token, joiner))
        elif kind == "number":
            pieces.append((BETWEEN, "", token, joiner))
        elif kind == "han" and words.language != "ja":
            pieces.extend(_han_words(token, joiner))
        elif kind in ("han", "grams"):
            pieces.extend((ALONE, pair, pair, "") for pair in _bigrams(token) if pair not in words.stopwords)
        elif kind == "tag":
            pieces.append((ALONE, "#" + token[1:].casefold(), token, joiner))
        else:
            pieces.append((BREAK, "", "", ""))
    if run[last_end:].strip(_JOINING):
        pieces.append((BREAK, "", "", ""))
    return tuple(pieces)


def _names(line: str, words: Lexicon) -> Iterator[tuple[tuple[str, str, str], tuple[str, str, str]]]:
    """The names of a line that begin with a stopword (NAMING): such a stopword inside a sentence (a word
    before it, no punctuation between), then a term written with a capital. (The phrase's parts, its
    form's parts.)"""
    inside, name = False, None
    for run in line.split():
        for kind, key, form, joiner in words.pieces.get(run) or words.learn(run):
            if kind == TERM:
                if name is not None and _capitalised(form):
                    yield (name[0], " ", key), (name[1], joiner, form)
                inside, name = True, None
            elif kind == BETWEEN or kind == NAMING:
                name = (key, form) if kind == NAMING and inside else None
                inside = True
            else:
                inside, name = False, None


def _capitalised(word: str) -> bool:
    return word[0].isupper() and not word[1:].isupper()


def _may_begin_a_name(word: str, words: Lexicon) -> bool:
    """A stopword of three letters or more written with a capital, in a language where a capital inside
    a sentence marks a name: ``São`` (``são``, "are"), ``The``."""
    return (
        len(word) >= 3
        and _capitalised(word)
        and words.language not in _NOUNS_CAPITALISED
        and words.is_stopword(word)
        and not laughter(word.casefold())
    )


def _elided(token: str, joiner: str, words: Lexicon, pieces: list) -> tuple[str, str]:
    """The word an elided one is written onto (``hotel`` of ``dell'hotel``) and what joins it, the elided
    words before it added to ``pieces`` as words a phrase may span. A word the list names whole
    (``aujourd'hui``) is left whole."""
    while "'" in token and not words.is_stopword(token):
        elided, _, token = token.partition("'")
        pieces.append((BETWEEN, "", elided + "'", joiner))
        joiner = ""
    return token, joiner


def _han_words(run: str, joiner: str) -> list[tuple[int, str, str, str]]:
    """Chinese words by jieba's dictionary: of two characters or more, and no stopword, a term."""
    stopwords = lexicon("zh").stopwords
    pieces = []
    for word in _jieba().cut(run):
        kind = TERM if len(word) >= 2 and word not in stopwords and not _HAN_LAUGHTER.issuperset(word) else BETWEEN
        pieces.append((kind, word, word, joiner))
        joiner = ""
    return pieces


def _bigrams(run: str) -> list[str]:
    """Overlapping pairs of graphemes, for the scripts written without spaces that have no dictionary here."""
    clusters = _GRAPHEMES.findall(run)
    return [first + second for first, second in zip(clusters, clusters[1:], strict=False)]


@dataclass(frozen=True)
class Query:
    """What a user types (a search, a tracked keyword), read by the word rule in every language that
    writes its script, and in none (folded only): a text matches when, for one of these readings, its
    terms hold all of its ``keys``. No reading where the words are no terms anywhere (a number, one
    letter, punctuation): ``keys`` is empty."""

    text: str
    keys: tuple[frozenset[str], ...]  # one set per reading, distinct
    names: tuple[str, ...] = ()  # the name the text is in the languages where it begins with a stopword

    @property
    def terms(self) -> list[str]:
        """Each reading's one term (a word's, or a two-word phrase's), for the tracked keywords. A name
        (``são paulo``) is its phrases: ``são paul`` where ``são`` is a stopword, as the keywords report
        shows it, not ``paul``, which any Paulo is."""
        terms = {term for keys in self.keys if (term := _main_term(keys))}
        if self.names:
            terms = {term for term in terms if " " in term} | set(self.names)
        return sorted(terms)


def _main_term(keys: frozenset[str]) -> str | None:
    phrases = [key for key in keys if " " in key]
    if len(phrases) == 1:
        return phrases[0]
    return next(iter(keys)) if len(keys) == 1 and not phrases else None


def query(text: str) -> Query:
    """``text`` read as every language of its script reads it, and as no language. A word of two
    letters is read as written in capitals, the only way it is a term (``ai`` finds ``AI``)."""
    text = _TWO_LETTERS.sub(lambda match: match.group().upper(), normalized(text))
    found = language.script_of(text)
    script, own = found if found is not None else ("Latn", None)
    readings: list[frozenset[str]] = []
    names: list[str] = []
    for code in [*([own] if own else SCRIPTS.get(script, [])), None]:
        keys = frozenset(terms_of(text, code)[0])
        if keys and keys not in readings:
            readings.append(keys)
        if name := _name(text, lexicon(code)):
            names.append(name)
    return Query(text, tuple(readings), tuple(names))


def _name(text: str, words: Lexicon) -> str | None:
    """The name two words are where the first may begin one, as a sentence has it inside it (``são
    paulo``, ``the hague``: ``são paul``, ``the hagu``), whatever case they were typed in."""
    parts = text.split()
    if len(parts) != 2:
        return None
    first, second = (part[:1].upper() + part[1:].lower() for part in parts)
    beginning = words.pieces.get(first) or words.learn(first)
    rest = words.pieces.get(second) or words.learn(second)
    if [kind for kind, *_ in beginning + rest] != [NAMING, TERM]:
        return None
    return beginning[0][1] + " " + rest[0][1]
