"""The knowledge index's vocabulary as a speech word list (`python -m knowledge vocabulary`)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from knowledge.index import IndexLoadError
from knowledge.vocabulary import index_vocabulary

ROOT = Path(__file__).resolve().parents[1]


def test_vocabulary_of_the_index(index_dir):
    everything = index_vocabulary(index_dir)
    assert len(everything) == len(set(everything))
    # the documents' spellings come last: the only lines with capitals
    first_spelling = next(i for i, line in enumerate(everything) if line != line.lower())
    lines, spellings = everything[:first_spelling], everything[first_spelling:]
    assert all(line != line.lower() for line in spellings)
    words = [line for line in lines if " " not in line]
    phrases = [line for line in lines if " " in line]
    assert {"công", "chức", "viên", "ngoại", "ngữ", "bồi", "dưỡng"} <= set(words)
    assert {"công chức", "viên chức", "ngoại ngữ", "bồi dưỡng"} <= set(phrases)
    assert lines.index(phrases[0]) == len(words)  # words first, then phrases
    for line in lines:
        assert line == unicodedata.normalize("NFC", line) == line.lower()
        assert all(word.isalpha() for word in line.split()), line  # no digits, no punctuation
        assert len(line.split()) <= 2
    assert "hòa" not in words or "hoà" not in words  # one tone-mark style
    # agencies as the documents write them, names, abbreviations; no heading word, no section number
    assert {"Sở Nội vụ", "Bộ Ngoại giao", "Hải Phòng", "UBND", "HĐND", "CCVC", "TTg"} <= set(spellings), spellings
    assert not {"KẾ HOẠCH", "NAM", "II", "IV", "Sở Nội"} & set(spellings)
    assert all(unicodedata.is_normalized("NFC", line) for line in spellings)


def test_vocabulary_refuses_a_missing_index(tmp_path):
    with pytest.raises(IndexLoadError, match="knowledge build"):
        index_vocabulary(tmp_path / "none")


def test_vocabulary_command(index_dir, tmp_path):
    result = subprocess.run([sys.executable, "-m", "knowledge", "vocabulary", "--index", str(index_dir)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == index_vocabulary(index_dir)
    missing = subprocess.run([sys.executable, "-m", "knowledge", "vocabulary", "--index", str(tmp_path / "none")],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr and "Lỗi:" in missing.stderr
