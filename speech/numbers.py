"""Vietnamese number words → digits, where digits help search ("hai nghìn không trăm hai mươi lăm" → "2025").

Rules, chosen so that ordinary words are never mistaken for numbers:
- Numbers from 10 up become digits: "mười lăm" → 15, "hai mươi mốt" → 21, "một trăm linh năm" → 105,
  "hai nghìn hai mươi lăm" → 2025 (the "không trăm" may be left out), "ba nghìn hai" → 3200 (spoken short
  form), "hai triệu rưỡi" → 2500000.
- A single digit word (một, hai, … chín) stays a word — "một người", "thứ hai", "ba" (father) — unless its
  context makes it a number: "bậc bốn" → "bậc 4", "năm phần trăm" → "5 %", "hai phẩy năm" → "2,5".
- "năm" is also "year": it is the digit 5 only before mươi/trăm/nghìn/triệu/tỷ, after linh/lẻ, or in the
  contexts above; so "năm hai nghìn không trăm ba mươi" → "năm 2030", "hai mươi năm" → "20 năm".
  After mươi/mười the 5 is "lăm", the 1 "mốt" (also "một"), the 4 "tư" (also "bốn").
- Three or more digit words in a row are read digit by digit ("không chín một hai" → "0912",
  "hai không hai lăm" → "2025"); a run that starts with "không" needs four (it is also "no"), and a run
  never starts with "năm" (the year).
- "phần trăm" after a number becomes " %", "phẩy" between numbers a decimal comma.
Numbers are written without thousands separators. Words separated by punctuation are never joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = {"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8,
          "chín": 9}
# Units after "mươi" (hai mươi mốt = 21, hai mươi tư = 24, hai mươi lăm = 25; "năm" there is "year").
UNITS_AFTER_TENS = {**{w: d for w, d in DIGITS.items() if d and w != "năm"}, "mốt": 1, "tư": 4, "lăm": 5}
# Units after "mười" (mười một = 11, mười lăm = 15).
UNITS_AFTER_TEN = {**{w: d for w, d in DIGITS.items() if d and w != "năm"}, "tư": 4, "lăm": 5}
# Short forms after a hundred or a scale: "một trăm tư" = 140, "một trăm mốt" = 110.
SHORT_UNITS = {**{w: d for w, d in DIGITS.items() if d and w != "năm"}, "mốt": 1, "tư": 4}
SCALES = {"nghìn": 1000, "ngàn": 1000, "triệu": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000}
# A scale word followed by one of these is another word: "tỷ lệ" (ratio), "triệu tập" (convene).
NOT_SCALE_BEFORE = {"tỷ": {"lệ"}, "tỉ": {"lệ"}, "triệu": {"tập", "chứng", "hồi", "phú"}}
ZERO_TENS = {"linh", "lẻ"}
MULTIPLIERS = {"mươi", "trăm", *SCALES}
# Words after which a lone digit is a number: "bậc bốn" → "bậc 4", "điều hai" → "điều 2", "quý tư" → "quý 4".
DIGIT_CONTEXT_BEFORE = {"bậc", "điều", "khoản", "mục", "chương", "quý", "đợt"}
CONTEXT_DIGITS = {**DIGITS, "tư": 4}
# Every word this module reads: a speech word list adds them so spoken numbers stay recognisable.
NUMBER_WORDS = sorted({*DIGITS, *UNITS_AFTER_TENS, "mười", *MULTIPLIERS, *ZERO_TENS, "rưỡi", "phần", "phẩy"})

_TOKEN = re.compile(r"\w+")


@dataclass
class _Number:
    value: int
    end: int          # index of the first token after the number
    single: bool      # one digit word, nothing else


class _Reader:
    """Reads numbers from a list of lower-case words that follow each other with only spaces between."""

    def __init__(self, words: list[str]):
        self.words = words

    def at(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.words) else ""

    def is_scale(self, i: int) -> bool:
        word = self.at(i)
        return word in SCALES and self.at(i + 1) not in NOT_SCALE_BEFORE.get(word, ())

    def is_multiplier(self, i: int) -> bool:
        return self.at(i) in ("mươi", "trăm") or self.is_scale(i)

    def percent_at(self, i: int) -> bool:
        return self.at(i) == "phần" and self.at(i + 1) == "trăm"

    def digit(self, i: int) -> int | None:
        """The digit word at i, if it can be a digit here ("năm" only before a multiplier or after linh/lẻ,
        a percent or a decimal comma, or in a digit context such as "bậc năm")."""
        word = self.at(i)
        if word not in DIGITS:
            return None
        if word == "năm" and not (self.is_multiplier(i + 1) or self.at(i - 1) in ZERO_TENS
                                  or self.percent_at(i + 1) or self.at(i + 1) == "phẩy"
                                  or self.at(i - 1) in DIGIT_CONTEXT_BEFORE):
            return None
        return DIGITS[word]

    def tens(self, i: int) -> _Number | None:
        """10–99: "mười", "mười lăm", "hai mươi", "hai mươi mốt"."""
        if self.at(i) == "mười":
            unit = UNITS_AFTER_TEN.get(self.at(i + 1))
            return _Number(10 + unit, i + 2, False) if unit is not None else _Number(10, i + 1, False)
        digit = self.digit(i)
        if digit and digit > 1 and self.at(i + 1) == "mươi":
            unit = UNITS_AFTER_TENS.get(self.at(i + 2))
            if unit is not None:
                return _Number(digit * 10 + unit, i + 3, False)
            return _Number(digit * 10, i + 2, False)
        return None

    def after_hundred(self, i: int) -> _Number:
        """What follows "X trăm": linh/lẻ + digit, tens, a short form ("trăm tư" = 40, "trăm rưỡi" = 50), or 0."""
        if self.at(i) in ZERO_TENS and self.at(i + 1) in DIGITS and self.at(i + 1) != "không":
            return _Number(DIGITS[self.at(i + 1)], i + 2, False)
        tens = self.tens(i)
        if tens:
            return tens
        if self.at(i) == "rưỡi":
            return _Number(50, i + 1, False)
        short = SHORT_UNITS.get(self.at(i))
        if short is not None and self.at(i + 1) not in ("trăm", "mươi"):
            return _Number(short * 10, i + 1, False)
        return _Number(0, i, False)

    def below_thousand(self, i: int, after_scale: bool) -> _Number | None:
        """0–999 at i: hundreds, tens or one digit. "không" starts one only after a scale ("nghìn không trăm")."""
        digit = self.digit(i)
        if digit is not None and self.at(i + 1) == "trăm" and (digit or after_scale):
            rest = self.after_hundred(i + 2)
            return _Number(digit * 100 + rest.value, rest.end, False)
        tens = self.tens(i)
        if tens:
            return tens
        if digit is not None and (digit or not self.is_scale(i + 1)):
            return _Number(digit, i + 1, True)
        return None

    def number(self, i: int) -> _Number | None:
        """A whole number at i, with scales (nghìn, triệu, tỷ) in decreasing order."""
        first = self.below_thousand(i, after_scale=False)
        if first is None:
            return None
        total, end, single, last_scale = 0, i, True, None
        part = first
        while part is not None:
            if not self.is_scale(part.end) or (last_scale and SCALES[self.at(part.end)] >= last_scale):
                if last_scale and part.single:
                    part.value *= last_scale // 10  # "ba nghìn hai" = 3200: a lone digit after a scale
                total += part.value
                end = part.end
                single = single and part.single and last_scale is None
                break
            last_scale = SCALES[self.at(part.end)]
            total += part.value * last_scale
            end, single = part.end + 1, False
            if self.at(end) in ZERO_TENS and self.at(end + 1) in DIGITS and self.at(end + 1) != "không":
                total += DIGITS[self.at(end + 1)]  # "hai nghìn linh năm" = 2005
                end += 2
                break
            if self.at(end) == "rưỡi":
                total += last_scale // 2  # "hai triệu rưỡi"
                end += 1
                break
            part = self.below_thousand(end, after_scale=True)
            if part is not None and part.single and part.value == 0:
                break  # "hai nghìn không phải …": that "không" is "not"
        return _Number(total, end, single)

    def digit_run(self, i: int) -> int:
        """End of a digit-by-digit reading at i ("không chín một hai"), or i when there is none."""
        if self.at(i) not in DIGITS or self.at(i) == "năm":
            return i
        end = i
        while self.at(end) in DIGITS or self.at(end) == "lăm":
            if self.at(end) == "năm" and not (self.at(end + 1) in DIGITS or self.at(end + 1) == "lăm"):
                break  # a final "năm" is the year: "ba bốn năm"
            if self.is_multiplier(end + 1):
                break  # "…hai mươi" belongs to a number of its own
            end += 1
        needed = 4 if self.at(i) == "không" else 3
        return end if end - i >= needed else i

    def decimals(self, i: int) -> tuple[str, int] | None:
        """The digits after "phẩy" at i-1: one number ("phẩy hai mươi lăm") or digit words ("phẩy năm")."""
        number = self.number(i)
        if number and not number.single:
            return str(number.value), number.end
        digits, end = "", i
        while self.at(end) in DIGITS or self.at(end) == "lăm":
            digits += str(DIGITS.get(self.at(end), 5))
            end += 1
        return (digits, end) if digits else None


def _convert_group(words: list[str], original: list[str]) -> list[str]:
    """Rewrite one group of space-separated words; returns the output tokens."""
    reader = _Reader(words)
    out: list[str] = []
    i = 0
    while i < len(words):
        run_end = reader.digit_run(i)
        number = reader.number(i)
        if run_end > i and (number is None or number.single):
            text, end, is_number = "".join(str(DIGITS.get(w, 5)) for w in words[i:run_end]), run_end, True
        elif number is not None:
            text, end = str(number.value), number.end
            is_number = not number.single or reader.at(i - 1) in DIGIT_CONTEXT_BEFORE
        elif words[i] == "tư" and reader.at(i - 1) in DIGIT_CONTEXT_BEFORE:
            text, end, is_number = "4", i + 1, True  # "quý tư"
        else:
            text, end, is_number = original[i], i + 1, False
        if number is not None and not is_number:
            # A lone digit word becomes a digit only before a decimal comma or a percent.
            if reader.at(end) == "phẩy" and reader.decimals(end + 1) or reader.percent_at(end):
                is_number = True
            else:
                text = original[i]
        if is_number and reader.at(end) == "phẩy":
            decimals = reader.decimals(end + 1)
            if decimals:
                text, end = f"{text},{decimals[0]}", decimals[1]
        if is_number and reader.percent_at(end):
            text, end = f"{text} %", end + 2
        out.append(text)
        i = end
    return out


def words_to_digits(text: str) -> str:
    """Spoken Vietnamese numbers in a text written as digits; everything else kept as it is.

    Expects NFC text with classic tone marks (speech.text.normalize_transcript gives that)."""
    matches = list(_TOKEN.finditer(text))
    if not matches:
        return text
    pieces: list[str] = []
    position = 0
    group: list[re.Match] = []

    def flush() -> None:
        nonlocal position
        if not group:
            return
        tokens = _convert_group([m.group(0).lower() for m in group], [m.group(0) for m in group])
        pieces.append(text[position:group[0].start()])
        pieces.append(" ".join(tokens))
        position = group[-1].end()
        group.clear()

    for match in matches:
        # Only words separated by plain spaces form one group: "hai, ba" are two numbers, not one.
        if group and text[group[-1].end():match.start()].strip(" "):
            flush()
        group.append(match)
    flush()
    pieces.append(text[position:])
    return "".join(pieces)
