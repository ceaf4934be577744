"""The documents' own spellings in a transcript: a recogniser writes "sở nội vụ thành phố hải phòng", the documents
"Sở Nội vụ … Hải Phòng"; someone who spells an abbreviation out ("u bê en đê") means "UBND".

The spellings come from the word list (speech/ reads nothing else of ours): its entries with a capital letter are
written forms, e.g. "Sở Nội vụ", "Hải Phòng", "UBND", "TTg" (`python -m knowledge vocabulary` adds them after the
words and phrases). A phrase replaces the same words in the transcript, whatever their case and tone-mark style;
an abbreviation of three letters or more replaces its letters said one by one with their Vietnamese names (bê or
bờ, xê or cờ, en or nờ …), or itself written in lower case. Two-letter ones are left alone: "ca hát" is singing,
not "KH". The longest match wins; words already written otherwise are kept.
"""

from __future__ import annotations

import re

from .text import fix_tone_marks

# The names of the letters, as the alphabet says them and as schools read them ("bê" and "bờ"); in abbreviations
# D is often said "đê" or "đờ" (UBND: "u bê en đê").
LETTER_NAMES: dict[str, tuple[str, ...]] = {
    "a": ("a",), "ă": ("á",), "â": ("ớ",), "b": ("bê", "bờ"), "c": ("xê", "cờ"), "d": ("dê", "dờ", "đê", "đờ"),
    "đ": ("đê", "đờ"), "e": ("e",), "ê": ("ê",), "g": ("giê", "gờ"), "h": ("hát", "hắt", "hờ"), "i": ("i",),
    "k": ("ca",), "l": ("e lờ", "lờ"), "m": ("em mờ", "em", "mờ"), "n": ("en nờ", "en", "nờ"), "o": ("o",),
    "ô": ("ô",), "ơ": ("ơ",), "p": ("pê", "pờ"), "q": ("quy", "cu"), "r": ("e rờ", "rờ"),
    "s": ("ét xì", "ét", "sờ"), "t": ("tê", "tờ"), "u": ("u",), "ư": ("ư",), "v": ("vê", "vờ"),
    "x": ("ích xì", "ích", "xờ"), "y": ("i dài", "i"),
}
MIN_SPELLED_LETTERS = 3
_WORD = re.compile(r"\w+")


def _words(text: str) -> tuple[str, ...]:
    """Lower-case words with classic tone marks; punctuation ("-", ",") dropped."""
    return tuple(_WORD.findall(fix_tone_marks(text).lower()))


def is_abbreviation(entry: str) -> bool:
    """One token of letters with two capitals or more: UBND, HĐND, TTg."""
    return bool(re.fullmatch(r"[^\W\d_]+", entry)) and sum(ch.isupper() for ch in entry) >= 2


class Spellings:
    """Written forms from a word list; apply() puts them into a normalised transcript."""

    def __init__(self, entries: list[str]):
        self.phrases: dict[tuple[str, ...], str] = {}
        self.abbreviations: dict[str, str] = {}  # lower case → as written
        for entry in entries:
            entry = " ".join(fix_tone_marks(entry).split())
            if not any(ch.isupper() for ch in entry):
                continue
            if is_abbreviation(entry):
                self.abbreviations.setdefault(entry.lower(), entry)
            elif len(words := _words(entry)) >= 2:  # one capitalised word (Nam, Phòng) is too often a plain word
                self.phrases.setdefault(words, entry)
        self._longest = max((len(key) for key in self.phrases), default=0)

    def __bool__(self) -> bool:
        return bool(self.phrases or self.abbreviations)

    def __len__(self) -> int:
        return len(self.phrases) + len(self.abbreviations)

    def _spelled(self, words: list[str], i: int, letters: str) -> int | None:
        """End of `letters` said one by one from words[i], or None."""
        if not letters:
            return i
        for name in LETTER_NAMES.get(letters[0], ()):
            parts = name.split()
            if tuple(words[i:i + len(parts)]) == tuple(parts):
                end = self._spelled(words, i + len(parts), letters[1:])
                if end is not None:
                    return end
        return None

    def _match(self, words: list[str], i: int) -> tuple[str, int] | None:
        for size in range(min(self._longest, len(words) - i), 0, -1):
            written = self.phrases.get(tuple(words[i:i + size]))
            if written is not None:
                return written, i + size
        best = None
        for lower, written in self.abbreviations.items():
            if words[i] == lower:
                return written, i + 1
            if len(lower) >= MIN_SPELLED_LETTERS:
                end = self._spelled(words, i, lower)
                if end is not None and (best is None or end > best[1]):
                    best = (written, end)
        return best

    def apply(self, text: str) -> str:
        """The transcript (space-separated words) with the documents' spellings."""
        if not self or not text:
            return text
        original = text.split()
        words = [fix_tone_marks(word).lower() for word in original]
        out: list[str] = []
        i = 0
        while i < len(words):
            found = self._match(words, i)
            if found is None:
                out.append(original[i])
                i += 1
            else:
                out.append(found[0])
                i = found[1]
        return " ".join(out)
