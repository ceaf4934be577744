"""The report for HR: questions the assistant answered with low confidence, could not answer, or got a 👎 for,
grouped by similar question, with counts, dates, reasons, comments and the wordings people used. HR reads it to
decide which document or answer to add.

Read from Rasa's tracker store through nlu/conversations.py (plain SQLAlchemy: SQLite or PostgreSQL). No Rasa import.

Which questions are listed (each user message that is words, not a button's "/intent{…}"):
- low confidence: the answer's custom payload has `confidence` below REPORT_LOW_CONFIDENCE (and it was answered);
- not answered: the payload says `answered: false`, or the NLU found the question out of scope, or it fell back
  (nlu_fallback) and no answer came, or nothing at all was replied;
- 👎: a `/feedback{"rating": "down", "answer_id": …}` names the answer given to it (a later 👍 on the same answer
  from the same conversation takes the 👎 back); its comments are listed.

Grouping (simple and explainable): each question becomes the set of its words with accents, case, punctuation and a
few filler words ("ạ", "ơi", "vậy", "cho tôi hỏi" …) removed, abbreviations expanded (CCVC → công chức viên chức).
Questions are taken most frequent wording first; one joins the first group whose first question shares at least
REPORT_SIMILARITY of their words (|A ∩ B| / |A ∪ B|), else starts a group of its own.

    python -m nlu.report [--since 2026-01-01] [--out var/report] [--url TRACKER_STORE_URL]
    → report.html and report.csv (UTF-8 with BOM: Excel opens the Vietnamese correctly)
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from knowledge.spreadsheet import excel_csv
from knowledge.text import replace_abbreviations, strip_diacritics, syllables
from nlu.conversations import Feedback, Turn, iter_turns, open_store, safe_url
from nlu.settings import ReportSettings

LOW = "low_confidence"
NOT_ANSWERED = "not_answered"
THUMBS_DOWN = "thumbs_down"
REASONS = {LOW: "Độ tin cậy thấp", NOT_ANSWERED: "Chưa trả lời được", THUMBS_DOWN: "👎 Không hài lòng"}
NOT_ANSWERED_INTENTS = {"out_of_scope"}
FALLBACK_INTENT = "nlu_fallback"
# Words that carry no topic, diacritic-free (politeness, pronouns, "please tell me").
FILLER = frozenset("a ad ak ah oi nhe nha nhi ha vay the thi la cho toi minh em anh chi ban hoi xin giup voi di dum "
                   "ntn sao".split())
MAX_EXAMPLES = 5
MAX_ANSWER_CHARS = 300
CSV_HEADER = ["Câu hỏi tiêu biểu", "Số lần", "Lần đầu", "Lần cuối", "Độ tin cậy thấp", "Chưa trả lời được",
              "👎 Không hài lòng", "Góp ý", "Các cách hỏi", "Câu trả lời đã đưa"]


def words(text: str) -> frozenset[str]:
    """The question's topic words: diacritic-free syllables, abbreviations expanded, filler words left out."""
    found = [strip_diacritics(s) for s in syllables(replace_abbreviations(text))]
    kept = frozenset(w for w in found if w not in FILLER)
    return kept or frozenset(found)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


@dataclass
class Flagged:
    """One question that needs HR's attention."""

    text: str
    when: datetime
    reasons: set[str]
    answer: str = ""
    answer_id: str | None = None
    sender_id: str = ""
    comments: list[str] = field(default_factory=list)


@dataclass
class Group:
    """Similar questions: the first one's words decide who joins."""

    key: frozenset[str]
    questions: list[Flagged] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def first(self) -> datetime:
        return min(q.when for q in self.questions)

    @property
    def last(self) -> datetime:
        return max(q.when for q in self.questions)

    @property
    def reasons(self) -> Counter:
        return Counter(reason for q in self.questions for reason in q.reasons)

    @property
    def wordings(self) -> list[tuple[str, int]]:
        """Distinct wordings, most frequent first (ties: the earliest first)."""
        counts = Counter(" ".join(q.text.split()) for q in self.questions)
        order = {text: i for i, text in reversed(list(enumerate(" ".join(q.text.split()) for q in self.questions)))}
        return sorted(counts.items(), key=lambda item: (-item[1], order[item[0]]))

    @property
    def title(self) -> str:
        return self.wordings[0][0]

    @property
    def comments(self) -> list[str]:
        return [c for q in sorted(self.questions, key=lambda q: q.when) for c in q.comments]

    @property
    def latest_answer(self) -> str:
        answered = [q for q in self.questions if q.answer]
        return max(answered, key=lambda q: q.when).answer if answered else ""


@dataclass
class Report:
    groups: list[Group]
    since: datetime | None
    made_at: datetime
    questions_seen: int  # user questions read (flagged or not)
    feedback_seen: int
    feedback_unmatched: int  # 👎 whose answer is not in the store (older than --since, deleted, or made up)
    low_confidence: float
    timezone: str = "Asia/Ho_Chi_Minh"

    @property
    def flagged(self) -> int:
        return sum(group.count for group in self.groups)

    def local(self, moment: datetime) -> datetime:
        try:
            return moment.astimezone(ZoneInfo(self.timezone))
        except ZoneInfoNotFoundError:
            return moment.astimezone(timezone.utc)

    def day(self, moment: datetime) -> str:
        return f"{self.local(moment):%Y-%m-%d}"


# --- building ----------------------------------------------------------------------------------------------------


def reasons_of(turn: Turn, low_confidence: float) -> set[str]:
    """Why a question needs attention (before feedback)."""
    custom = turn.custom or {}
    reasons: set[str] = set()
    answered = custom.get("answered")
    confidence = custom.get("confidence")
    if answered is False or turn.intent in NOT_ANSWERED_INTENTS or not turn.replies \
            or (turn.intent == FALLBACK_INTENT and not custom):
        reasons.add(NOT_ANSWERED)
    elif isinstance(confidence, (int, float)) and not isinstance(confidence, bool) and confidence < low_confidence:
        reasons.add(LOW)
    return reasons


def _answer_text(turn: Turn) -> str:
    custom = turn.custom or {}
    text = custom.get("answer") if isinstance(custom.get("answer"), str) else turn.answer_text
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 1].rstrip() + "…"


def flag(records: Iterable[Turn | Feedback], low_confidence: float) -> tuple[list[Flagged], int, int, int]:
    """The questions to report, and how many questions and feedback messages were read, and how many 👎 named an
    answer that is not there."""
    questions: list[Flagged] = []
    by_answer: dict[str, Flagged] = {}
    feedback: list[Feedback] = []
    seen = 0
    for record in records:
        if isinstance(record, Feedback):
            feedback.append(record)
            continue
        if record.direct or not record.text.strip():
            continue  # a button's "/intent{…}" or an empty message: not words someone asked
        seen += 1
        item = Flagged(record.text.strip(), record.timestamp, reasons_of(record, low_confidence),
                       _answer_text(record), record.answer_id, record.sender_id)
        questions.append(item)
        if item.answer_id:
            by_answer[item.answer_id] = item
    # The latest rating of each answer by each conversation counts (👎 then 👍 = 👍); every comment is kept.
    latest: dict[tuple[str, str], Feedback] = {}
    unmatched: set[str] = set()
    for record in sorted(feedback, key=lambda f: f.timestamp):
        if not record.answer_id:
            continue
        if record.answer_id not in by_answer:
            if record.rating == "down":
                unmatched.add(record.answer_id)
            continue
        if record.rating in ("up", "down"):
            latest[(record.answer_id, record.sender_id)] = record
        if record.comment:
            by_answer[record.answer_id].comments.append(" ".join(record.comment.split()))
    for (answer_id, _), record in latest.items():
        if record.rating == "down":
            by_answer[answer_id].reasons.add(THUMBS_DOWN)
    for item in by_answer.values():
        if item.comments:  # a comment comes only after a 👎: it stays listed even when a 👍 followed
            item.reasons.add(THUMBS_DOWN)
    return [q for q in questions if q.reasons], seen, len(feedback), len(unmatched)


def group(questions: list[Flagged], threshold: float) -> list[Group]:
    """Similar questions together (see the module's docstring); the largest groups first, then the latest."""
    by_wording: dict[str, list[Flagged]] = defaultdict(list)
    for question in questions:
        by_wording[" ".join(question.text.split())].append(question)
    groups: list[Group] = []
    for wording, same in sorted(by_wording.items(), key=lambda item: (-len(item[1]), min(q.when for q in item[1]))):
        key = words(wording)
        home = next((g for g in groups if similarity(key, g.key) >= threshold), None)
        if home is None:
            home = Group(key)
            groups.append(home)
        home.questions.extend(same)
    return sorted(groups, key=lambda g: (-g.count, -g.last.timestamp(), g.title))


def build_report(engine, since: date | datetime | None = None, settings: ReportSettings | None = None) -> Report:
    settings = settings or ReportSettings.load()
    flagged, seen, feedback_seen, unmatched = flag(iter_turns(engine, since=since), settings.report_low_confidence)
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day, tzinfo=timezone.utc)
    return Report(group(flagged, settings.report_similarity), since, datetime.now(timezone.utc), seen, feedback_seen,
                  unmatched, settings.report_low_confidence, settings.report_timezone)


# --- rendering ---------------------------------------------------------------------------------------------------


def _reason_counts(report: Report, g: Group) -> list[int]:
    counts = g.reasons
    return [counts.get(LOW, 0), counts.get(NOT_ANSWERED, 0), counts.get(THUMBS_DOWN, 0)]


def to_csv(report: Report) -> bytes:
    """One row per group, with a header, for Excel (knowledge.spreadsheet)."""
    rows = ([g.title, g.count, report.day(g.first), report.day(g.last), *_reason_counts(report, g),
             " | ".join(g.comments),
             " | ".join(f"{text} (×{n})" if n > 1 else text for text, n in g.wordings[:MAX_EXAMPLES]), g.latest_answer]
            for g in report.groups)
    return excel_csv(CSV_HEADER, rows)


REPORT_CSS = """
body { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color: #1c2430; margin: 1.5rem;
  line-height: 1.45; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
.meta { color: #5a6675; margin: 0 0 1rem; font-size: .92rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #d5dce5; padding: .4rem .55rem; vertical-align: top; text-align: left; }
th { background: #eef3f9; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.reason { display: inline-block; margin: 0 .25rem .2rem 0; padding: 0 .45rem; border-radius: 999px;
  background: #fff4e5; color: #7a4b00; white-space: nowrap; }
.reason.thumbs_down { background: #fdecea; color: #a32020; }
.reason.not_answered { background: #e8eef6; color: #083766; }
ul { margin: 0; padding-left: 1.1rem; }
.answer { color: #5a6675; }
.empty { padding: 1rem; background: #f3f5f8; border-radius: 8px; }
"""


def to_html(report: Report, stylesheet: str | None = None, csv_href: str | None = None) -> str:
    """A whole page; every text from users or documents escaped. `stylesheet`: a URL to link (the portal's strict
    CSP refuses inline styles) instead of the inline <style>; `csv_href`: a link to the same report as CSV."""
    e = html.escape
    style = f'<link rel="stylesheet" href="{e(stylesheet)}">' if stylesheet else f"<style>{REPORT_CSS}</style>"
    since = f"từ {report.day(report.since)}" if report.since else "toàn bộ"
    meta = (f"Lập lúc {report.local(report.made_at):%Y-%m-%d %H:%M} ({report.timezone}); dữ liệu {since}. "
            f"{report.questions_seen} câu hỏi đã đọc, {report.flagged} cần xem lại trong {len(report.groups)} nhóm; "
            f"{report.feedback_seen} lượt đánh giá 👍/👎. Độ tin cậy thấp: dưới {report.low_confidence:g}.")
    if report.feedback_unmatched:
        meta += f" {report.feedback_unmatched} lượt 👎 không tìm thấy câu trả lời tương ứng (cũ hơn, đã xoá)."
    rows = []
    for g in report.groups:
        reasons = "".join(f'<span class="reason {key}">{e(label)}: {g.reasons[key]}</span>'
                          for key, label in REASONS.items() if g.reasons.get(key))
        examples = "".join(f"<li>{e(text)}{f' <b>×{n}</b>' if n > 1 else ''}</li>"
                           for text, n in g.wordings[:MAX_EXAMPLES])
        comments = "".join(f"<li>{e(c)}</li>" for c in g.comments)
        rows.append(
            "<tr>"
            f"<td>{e(g.title)}</td><td class=\"num\">{g.count}</td>"
            f"<td class=\"num\">{report.day(g.first)}</td><td class=\"num\">{report.day(g.last)}</td>"
            f"<td>{reasons}</td><td>{f'<ul>{comments}</ul>' if comments else ''}</td>"
            f"<td><ul>{examples}</ul></td><td class=\"answer\">{e(g.latest_answer)}</td>"
            "</tr>")
    table = ("<table><thead><tr><th scope=\"col\">Câu hỏi tiêu biểu</th><th scope=\"col\">Số lần</th>"
             "<th scope=\"col\">Lần đầu</th><th scope=\"col\">Lần cuối</th><th scope=\"col\">Lý do</th>"
             "<th scope=\"col\">Góp ý</th><th scope=\"col\">Các cách hỏi</th><th scope=\"col\">Câu trả lời đã đưa</th>"
             f"</tr></thead><tbody>{''.join(rows)}</tbody></table>") if rows else \
        '<p class="empty">Chưa có câu hỏi nào cần xem lại.</p>'
    return ("<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Báo cáo câu hỏi cần bổ sung — Trợ lý CCVC</title>{style}</head><body>"
            "<h1>Câu hỏi cần bổ sung tài liệu hoặc câu trả lời</h1>"
            f"<p class=\"meta\">{e(meta, quote=False)}</p>"
            + (f'<p><a href="{e(csv_href)}" download>Tải về bảng tính (CSV)</a></p>' if csv_href else "")
            + f"{table}</body></html>\n")


# --- command line ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import typer

    app = typer.Typer(add_completion=False)

    @app.command()
    def report(since: str = typer.Option(None, "--since", help="only conversations from this day on (YYYY-MM-DD)"),
               out: Path = typer.Option(Path("var/report"), "--out", help="folder for report.html and report.csv"),
               url: str = typer.Option(None, "--url", help="SQLAlchemy URL (default: TRACKER_STORE_URL)")) -> None:
        """Questions answered with low confidence, not answered, or given a 👎, grouped by similar question."""
        try:
            day = date.fromisoformat(since) if since else None
        except ValueError:
            typer.echo(f"Lỗi: --since phải là ngày dạng YYYY-MM-DD, không phải {since!r}", err=True)
            raise typer.Exit(2) from None
        try:
            settings = ReportSettings.load()
        except ValueError as exc:
            typer.echo(f"Lỗi: {exc}", err=True)
            raise typer.Exit(2) from None
        try:
            engine = open_store(url)
            made = build_report(engine, day, settings)
        except Exception as exc:  # a bad URL, an unreachable server: one clear line, never the password
            typer.echo(f"Lỗi: không đọc được kho hội thoại {safe_url(url) if url else '(TRACKER_STORE_URL)'}: "
                       f"{type(exc).__name__}: {getattr(exc, 'orig', None) or ''}".rstrip(": "), err=True)
            raise typer.Exit(1) from None
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.html").write_text(to_html(made), encoding="utf-8")
        (out / "report.csv").write_bytes(to_csv(made))
        typer.echo(f"{made.flagged} câu hỏi cần xem lại trong {len(made.groups)} nhóm "
                   f"({made.questions_seen} câu hỏi đã đọc, {safe_url(engine.url)}): "
                   f"{out / 'report.html'}, {out / 'report.csv'}")

    app(args=argv, prog_name="python -m nlu.report")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
