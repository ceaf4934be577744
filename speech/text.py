"""Transcript normalisation: NFC, one tone-mark placement, spoken numbers as digits.

The recogniser writes syllables in whatever tone-mark style its lexicon uses ("hoà" or "hòa"); the knowledge
index puts marks the classic way (hòa, thủy), so transcripts are brought to that style here, with a small
rule set of our own (speech/ depends on nothing else of ours).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .numbers import words_to_digits

# Combining marks of the five tones: grave, acute, tilde, hook above, dot below.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Tone-free vowels; the shaped ones (circumflex, breve, horn) always carry the tone when present.
VOWELS = frozenset("aăâeêioôơuưy")
SHAPED_VOWELS = frozenset("ăâêôơư")
_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


def _compose(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# The pairs whose tone the modern style puts on the second vowel when nothing follows (hoà, hoè, thuỷ).
MODERN_PAIRS = {"oa", "oe", "uy"}


def _tone_target(bare: str, modern: bool = False) -> int | None:
    """Index of the letter of a tone-free, lower-case syllable that should carry the tone, or None when the
    word does not look like one Vietnamese syllable (then it is left as written)."""
    if set(bare) & set("fjwz"):
        return None
    start = 0
    # The u of "qu" and the i of "gi" (before another vowel) belong to the initial consonant.
    if bare.startswith("qu") or (bare.startswith("gi") and len(bare) > 2 and bare[2] in VOWELS):
        start = 2
    nucleus = [i for i in range(start, len(bare)) if bare[i] in VOWELS]
    if not nucleus or nucleus[-1] - nucleus[0] + 1 != len(nucleus):
        return None  # no vowel, or two vowel groups (not a single syllable)
    shaped = [i for i in nucleus if bare[i] in SHAPED_VOWELS]
    if shaped:
        return shaped[-1]  # ươ, uô, iê, yê: the second shaped vowel takes it
    if len(nucleus) == 1:
        return nucleus[0]
    if nucleus[-1] < len(bare) - 1:
        return nucleus[-1]  # a final consonant follows: hoàn, huỳnh
    if len(nucleus) == 3:
        return nucleus[1]  # ngoài, khuya
    if modern and bare[nucleus[0]:nucleus[1] + 1] in MODERN_PAIRS:
        return nucleus[1]  # hoà, thuỷ
    return nucleus[0]  # hòa, thủy, mùa, tài


@lru_cache(maxsize=50_000)
def place_tone(word: str, modern: bool = False) -> str:
    """One syllable with its tone mark where the classic style puts it (hoà → hòa, thuỷ → thủy, quá stays),
    or the modern style with modern=True (hòa → hoà)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if len(tones) != 1:
        return _compose(word)
    bare = _compose("".join(ch for ch in decomposed if ch not in TONE_MARKS))
    target = _tone_target(bare.lower(), modern)
    if target is None:
        return _compose(word)
    return _compose(bare[:target] + _compose(bare[target] + tones[0]) + bare[target + 1:])


def fix_tone_marks(text: str, modern: bool = False) -> str:
    """NFC and one tone placement (classic, or modern with modern=True) for every word of a text."""
    return _WORD.sub(lambda m: place_tone(m.group(0), modern), _compose(text))


def normalize_transcript(text: str) -> str:
    """What the recogniser said, made searchable: NFC, classic tone marks, single spaces, "[unk]" dropped,
    spoken numbers as digits ("hai mươi lăm phần trăm" → "25 %")."""
    text = _SPACES.sub(" ", fix_tone_marks(text).replace("[unk]", " ")).strip()
    return words_to_digits(text)
