"""The language of each message (ISO 639-1), decided at consolidation.

Three steps, cheapest first:

1. **The script says it.** A text in a script that one language writes is that language without
   asking a model: kana → ``ja``, Han → ``zh``, Hangul → ``ko``, Thai, Greek, Hebrew, Georgian,
   Armenian, Sinhala, the Indic scripts of one language, … (``SCRIPT_LANGUAGES``).
2. **The text says it.** Latin, Cyrillic, Arabic, Devanagari and Bengali texts go to CLD2 (the
   ``pycld2`` wheel, Chromium's compact detector: its model is compiled in, ~7 µs a chat text). A
   Cyrillic text CLD2 is not sure of is Ukrainian where it writes a letter of Ukrainian's that no
   other language of the script CLD2 might answer writes (і ї є ґ), and none Ukrainian never writes.
3. **The sender says it.** A text shorter than ``SHORT_TEXT`` characters ("ok obrigado", "kkk"),
   or one CLD2 is not sure of (``SURE_SCORE``), is too short for any detector (measured on chat-sized texts of eight languages: CLD2 is right
   on 75 % of two-word texts, 83 % of three-word ones; fastText 81/87 %, py3langid 68/81 %). Its
   language is what its sender's longer texts in the same script were written in that day, else
   the group's, else what the group's short texts were most guessed in (``Known.settle``).

Step 3 needs the whole day (a day is read by several processes, each a run of keys), so each
process stores its own guess with a ``basis`` and the script, and ``settle`` decides the short
texts once the day is one table. A short text's own guess matters only where its group wrote no
longer text in its script that day: where the day's longer texts already say a language, a process
need not ask the detector (``guess(..., detect_short=False)``, ``lake/tokens.py``).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

SHORT_TEXT = 40  # characters but spaces; below it a text's language is its sender's (step 3)
# CLD2's score below which its answer on a longer text is taken as a short text's guess: on the test
# texts of eight languages its wrong answers on texts of 40 characters or more scored 211-341 (but
# Indonesian told as Malay), its right ones a median of 908.
SURE_SCORE = 350

# How a language was decided (the consolidating processes pass it to ``settle``).
BY_SCRIPT, BY_TEXT, BY_SENDER = 1, 2, 3

# Scripts that one language writes: (first code point, last, script, language).
_SINGLE = (
    (0x0370, 0x03FF, "Grek", "el"),
    (0x0530, 0x058F, "Armn", "hy"),
    (0x0590, 0x05FF, "Hebr", "he"),
    (0x0A00, 0x0A7F, "Guru", "pa"),
    (0x0A80, 0x0AFF, "Gujr", "gu"),
    (0x0B00, 0x0B7F, "Orya", "or"),
    (0x0B80, 0x0BFF, "Taml", "ta"),
    (0x0C00, 0x0C7F, "Telu", "te"),
    (0x0C80, 0x0CFF, "Knda", "kn"),
    (0x0D00, 0x0D7F, "Mlym", "ml"),
    (0x0D80, 0x0DFF, "Sinh", "si"),
    (0x0E00, 0x0E7F, "Thai", "th"),
    (0x0E80, 0x0EFF, "Laoo", "lo"),
    (0x0F00, 0x0FFF, "Tibt", "bo"),
    (0x1000, 0x109F, "Mymr", "my"),
    (0x10A0, 0x10FF, "Geor", "ka"),
    (0x1100, 0x11FF, "Hang", "ko"),
    (0x1200, 0x139F, "Ethi", "am"),
    (0x1780, 0x17FF, "Khmr", "km"),
    (0x3040, 0x30FF, "Kana", "ja"),
    (0x3130, 0x318F, "Hang", "ko"),
    (0x31F0, 0x31FF, "Kana", "ja"),
    (0xAC00, 0xD7AF, "Hang", "ko"),
)
# Scripts several languages write, for the detector: (first, last, script).
_SHARED = (
    (0x0400, 0x052F, "Cyrl"),
    (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0980, 0x09FF, "Beng"),
    (0x08A0, 0x08FF, "Arab"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
)
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_RANGES = sorted(
    [(first, last, script, language) for first, last, script, language in _SINGLE]
    + [(first, last, script, None) for first, last, script in _SHARED]
    + [(first, last, "Hani", "zh") for first, last in _HAN]
)
_STARTS = [first for first, *_ in _RANGES]
# CLD2's codes that are not ISO 639-1 (or are its old ones) → ISO 639-1.
_CODES = {"iw": "he", "jw": "jv", "in": "id", "ji": "yi", "zh-Hant": "zh", "sr-ME": "sr", "un": None, "xxx": None}


class Guess(NamedTuple):
    language: str | None
    script: str | None  # ISO 15924: Latn, Cyrl, Arab, Hani, …
    basis: int  # BY_SCRIPT, BY_TEXT or BY_SENDER (a short text's guess, settled with the day)
    weight: float = 0.0  # how sure the detector was (CLD2's score): what a short text's guess weighs


NO_LETTERS = Guess(None, None, BY_SCRIPT)


def _script_of(char: str) -> tuple[str, str | None] | None:
    code = ord(char)
    index = bisect.bisect_right(_STARTS, code) - 1
    if index >= 0:
        first, last, script, language = _RANGES[index]
        if code <= last:
            return script, language
    return None


def script_of(text: str) -> tuple[str, str | None] | None:
    """(script, its one language or None) of ``text``: the first letter not in Latin script decides
    (kana anywhere makes Han Japanese); Latin where there is no other; None without letters."""
    for match in _BEYOND_LATIN.finditer(text):
        found = _script_of(match.group())
        if found is None:
            continue
        if found[0] == "Hani" and _KANA.search(text):
            return "Kana", "ja"
        return found
    return ("Latn", None) if _LETTER.search(text) else None


# letters (not marks, digits, symbols or emoji) beyond the Latin blocks; any letter
_BEYOND_LATIN = re.compile(r"[^\W\d_\x00-\u024f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_LETTER = re.compile(r"[^\W\d_]")


@functools.cache
def _cld2():
    import pycld2

    return pycld2


# C0 controls CLD2 refuses (it reads them as invalid UTF-8), but tab and newline.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")


def detected(text: str) -> tuple[str | None, float]:
    """CLD2's language of ``text`` (ISO 639-1 where there is one; None where it cannot tell), and its score."""
    cld2 = _cld2()
    try:
        if _CONTROLS.search(text):
            text = _CONTROLS.sub(" ", text)
        _, _, details = cld2.detect(text, isPlainText=True, bestEffort=True)
    except (cld2.error, UnicodeError):  # (a lone surrogate: consolidation replaces it when it stores the text)
        return None, 0.0
    _, code, _, score = details[0]
    return _CODES.get(code, code.split("-")[0]), score


def guess(text: str | None, detect_short: bool = True) -> Guess:
    """The language of one text on its own (steps 1 and 2; a short text's guess is marked BY_SENDER).
    ``detect_short=False``: a short text's guess is ``Guess(None, script, BY_SENDER, UNDETECTED)``, the
    detector not asked (``settle`` reads a short text's own guess only where its group wrote no longer
    text in its script that day)."""
    if not text:
        return NO_LETTERS
    found = script_of(text)
    if found is None:
        return NO_LETTERS
    script, language = found
    if language is not None:
        return Guess(language, script, BY_SCRIPT)
    if "/" in text or "@" in text:
        text = _ADDRESSES.sub(" ", text)  # links and handles are no language
    short = len(text) - text.count(" ") < SHORT_TEXT
    if short:  # the detector is never sure of it
        if script == "Cyrl" and _ukrainian(text):
            return Guess("uk", script, BY_TEXT)
        if not detect_short:
            return Guess(None, script, BY_SENDER, UNDETECTED)
    found, score = detected(text)
    sure = found is not None and score >= SURE_SCORE and not short
    if not sure and script == "Cyrl" and _ukrainian(text):
        return Guess("uk", script, BY_TEXT, score)
    return Guess(found, script, BY_TEXT if sure else BY_SENDER, score)


# The weight of a short text's guess made without the detector: the language its group's longer texts
# gave so far (``lake/tokens.py``), or none yet.
UNDETECTED = -1.0


def _ukrainian(text: str) -> bool:
    return bool(_UKRAINIAN_LETTERS.search(text)) and not _NOT_UKRAINIAN_LETTERS.search(text)


_ADDRESSES = re.compile(r"\S*[/@]\S*")
# Cyrillic letters Ukrainian writes and Russian, Serbian, Bulgarian, Macedonian and Mongolian do not; and
# those Ukrainian never writes: ы э ё ъ (Russian's, Belarusian's), ў (Belarusian's), and Kazakh's own,
# the two languages that write і too. CLD2 read a real Ukrainian chat's short texts as Russian, Serbian,
# Macedonian and Mongolian.
_UKRAINIAN_LETTERS = re.compile("[іїєґІЇЄҐ]")
_NOT_UKRAINIAN_LETTERS = re.compile("[ыэёъўәғқңөұүһЫЭЁЪЎӘҒҚҢӨҰҮҺ]")


@dataclass
class Known:
    """What a short text's language is settled by: how many of the day's longer texts (BY_TEXT) each
    sender, and each group, wrote in each language, per script; and, for a group that wrote no longer
    text in a script, its short texts' own guesses, each weighing as much as the detector was sure of it."""

    by_sender: dict[tuple, Counter]  # (chat, sender, script) -> languages
    by_chat: dict[tuple, Counter]  # (chat, script) -> languages
    guessed: dict[tuple, Counter]  # (chat, script) -> languages guessed for its short texts, by weight
    decided: dict[tuple, str | None] = field(default_factory=dict)  # (chat, sender, script) -> settled

    @classmethod
    def of(cls, longer, shorter) -> Known:
        """From (chat, sender, script, language, texts) of the longer texts, and (chat, script, guess,
        weight) of the short ones (a guess made without the detector, UNDETECTED, weighs nothing)."""
        by_sender: dict[tuple, Counter] = {}
        by_chat: dict[tuple, Counter] = {}
        guessed: dict[tuple, Counter] = {}
        for chat, sender, script, language, texts in longer:
            by_sender.setdefault((chat, sender, script), Counter())[language] += texts
            by_chat.setdefault((chat, script), Counter())[language] += texts
        for chat, script, language, weight in shorter:
            if language is not None and weight != UNDETECTED:
                guessed.setdefault((chat, script), Counter())[language] += weight
        return cls(by_sender, by_chat, guessed)

    def settle(self, chat, sender, script: str | None, guess: str | None) -> str | None:
        """A short text's language: its sender's most used of the day in its script and group, else its
        group's, else the one its group's short texts were most guessed in, else its own guess."""
        found = (chat, sender, script)
        decided = self.decided.get(found, "")
        if decided == "":
            key = (chat, script)
            counts = self.by_sender.get(found) or self.by_chat.get(key) or self.guessed.get(key)
            decided = self.decided[found] = _most_common(counts) if counts else None
        return guess if decided is None else decided


def _most_common(counts: Counter) -> str:
    """The most frequent language; a tie goes to the first in code order (the same day, the same answer)."""
    top = max(counts.values())
    return min(language for language, count in counts.items() if count == top)
