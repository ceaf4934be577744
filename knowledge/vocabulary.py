"""The vocabulary of the indexed documents, for speech recognition's word list (speech/ reads it as a file).

Syllables (accented, NFC, lower case, classic tone marks) most frequent first, then the phrases (syllable
pairs) seen at least `min_phrase_count` times: a recogniser given these hears the documents' words.
Read from the live index's accent model (which also holds everyday question words such as "bao nhiêu").
Last, the documents' own spellings (the only lines with capitals): the agencies of the extracted facts as the
documents write them ("Sở Nội vụ"), names written with two capitalised syllables or more ("Hải Phòng"), and
abbreviations ("UBND", "HĐND", "TTg": tokens with two capitals or more that are no Vietnamese syllable), with
which speech/ writes a transcript the documents' way.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from .index import IndexLoadError, LiveVersion, rebuild_hint
from .settings import get_settings

# Letters only: numbers are spoken as words, which the recogniser's side adds itself.
_SYLLABLE = re.compile(r"[^\W\d_]+")


# A Vietnamese syllable without its tone mark: initial consonants, vowels, a final consonant.
_SYLLABLE_SHAPE = re.compile(r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnprstvx])?[aăâeêioôơuưy]+"
                             r"(?:ch|ng|nh|[cmnpt])?")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")  # section numbers: II, IV
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_SENTENCE_END = tuple(".!?:")


def _capitalised_runs(line: str) -> list[str]:
    """Two capitalised syllables or more in a row inside a sentence ("Hải Phòng", "Bộ Công Thương"); a sentence's
    first word and words in capitals (headings, abbreviations) start no name."""
    runs, run = [], []
    tokens = line.split()
    for index, token in enumerate(tokens):
        word = token.strip(",;()“”\"'.!?:")
        first = index == 0 or tokens[index - 1].endswith(_SENTENCE_END)
        if word.isalpha() and word[0].isupper() and not (len(word) > 1 and word.isupper()) and (run or not first):
            run.append(word)
        else:
            run = []
        if len(run) >= 2 and (index + 1 == len(tokens) or token != word or not tokens[index + 1][:1].isupper()):
            runs.append(" ".join(run))
        if token != word:  # punctuation ends a name
            run = []
    return runs


def _is_syllable(word: str) -> bool:
    bare = "".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if ch not in _TONE_MARKS)
    return bool(_SYLLABLE_SHAPE.fullmatch(unicodedata.normalize("NFC", bare)))


def document_spellings(live: LiveVersion, min_count: int = 2) -> list[str]:
    """Agency names of the facts, capitalised names seen `min_count` times, and abbreviations, as written."""
    texts = [row.get("text", "") for row in live.rows("chunks.jsonl")]
    agencies = set()
    for row in live.rows("facts.jsonl"):
        if row.get("kind") == "duty":
            data = row.get("data") or {}
            agencies.update(n for n in [data.get("agency", ""), *data.get("agencies", [])]
                            if n and " " in n and not n.lower().startswith("các "))
    names = Counter(name for text in texts for line in text.splitlines() for name in _capitalised_runs(line))
    abbreviations = {token for text in texts for token in re.findall(r"[^\W\d_]+", text)
                     if len(token) >= 2 and sum(ch.isupper() for ch in token) >= 2 and not _ROMAN.fullmatch(token)
                     and not _is_syllable(token)}
    found = agencies | {name for name, count in names.items() if count >= min_count}
    # "Sở Nội" is the start of "Sở Nội vụ" (its last word is not capitalised), not a name of its own
    whole = {name for name in found if not any(other.startswith(name + " ") for other in found)}
    return sorted(whole) + sorted(abbreviations)


def index_vocabulary(index_dir: Path | None = None, min_phrase_count: int = 3) -> list[str]:
    """Words, then frequent phrases, then the documents' spellings, of the live index (raises IndexLoadError like
    load_index)."""
    index_dir = Path(index_dir or get_settings().index_dir)
    live = LiveVersion.open(index_dir)
    try:
        model = json.loads(live.verified("accents.json").read_text(encoding="utf-8"))
        unigrams, bigrams = dict(model["unigrams"]), dict(model["bigrams"])
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexLoadError(f"Không đọc được từ vựng của chỉ mục {live.folder} ({exc}). "
                             f"{rebuild_hint(index_dir)}") from exc

    def by_count(counts: dict[str, int]) -> list[str]:
        return [text for text, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]

    words = [w for w in by_count(unigrams) if _SYLLABLE.fullmatch(w)]
    phrases = [p for p in by_count(bigrams)
               if bigrams[p] >= min_phrase_count and all(_SYLLABLE.fullmatch(w) for w in p.split())]
    try:
        spellings = document_spellings(live)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IndexLoadError(f"Không đọc được văn bản của chỉ mục {live.folder} ({exc}). "
                             f"{rebuild_hint(index_dir)}") from exc
    return words + phrases + [s for s in spellings if s not in words and s not in phrases]
