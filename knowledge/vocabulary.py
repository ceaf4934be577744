"""The vocabulary of the indexed documents, for speech recognition's word list (speech/ reads it as a file).

Syllables (accented, NFC, lower case, classic tone marks) most frequent first, then the phrases (syllable
pairs) seen at least `min_phrase_count` times: a recogniser given these hears the documents' words.
Read from the live index's accent model (which also holds everyday question words such as "bao nhiêu").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .index import IndexLoadError, LiveVersion, rebuild_hint
from .settings import get_settings

# Letters only: numbers are spoken as words, which the recogniser's side adds itself.
_SYLLABLE = re.compile(r"[^\W\d_]+")


def index_vocabulary(index_dir: Path | None = None, min_phrase_count: int = 3) -> list[str]:
    """Words, then frequent phrases, of the live index (raises IndexLoadError like load_index)."""
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
    return words + phrases
