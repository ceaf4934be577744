"""Real documents nobody here wrote, asked the way officials type: answers, refusals, rule checks, conversations.

The development set (bench/data/realdocs/, see its README) holds 35 public documents of the family (openings of
legal sites' pages, leftovers and cuts kept) beside the two default documents, questions with the facts a right
answer must contain, people for the HR rule check and short conversations. Every item is in the dev split (tune on
it) or the heldout split (measure only).

Index: the default documents and all real documents, built into var/bench/realdocs-index with knowledge.index
(unchanged documents are reused). Every question is asked through `knowledge.answer.answer`, the path of
`python -m knowledge ask --json`, as typed and without diacritics; people go through `knowledge.check` as
`python -m knowledge check "…"` takes them; conversations through `knowledge.conversation.ask`, the context of one
turn carried into the next (the follow-up path of the assistant's action, without Rasa's intent hint).

Per split × form it prints:
- answerable accuracy: answered, every expected string in the answer text (accent- and case-insensitive), and a
  citation of the right document (every listed document where the question has "cite": "all");
- refusal precision and recall: of the questions refused, the share the documents do not answer; of those, the
  share refused;
- median words of passage answers (the answer text; citations are separate);
- rule-check verdicts right; conversations right at every turn;
and, unless --skip-own, the own set's figures (bench/own_questions.py) on the two default documents.

Held-out items only ever count in aggregates: --show-misses prints misses of the dev split and nothing else, and
--json carries no held-out item. Tune on dev; never read held-out misses.

    python bench/real_documents.py [--show-misses] [--json] [--skip-own] [--index DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from knowledge.answer import Answer, answer  # noqa: E402
from knowledge.check import PersonInputError, check_person, person_from_input  # noqa: E402
from knowledge.conversation import Context, ask  # noqa: E402
from knowledge.index import build_from_paths, load_index  # noqa: E402
from knowledge.text import collapse_whitespace, normalize, strip_diacritics  # noqa: E402

DATA = REPO / "bench" / "data" / "realdocs"
REAL_DOCS = DATA / "docs"
DEFAULT_DOCS = REPO / "knowledge" / "docs"
SPLITS = ("dev", "heldout")
FORMS = ("typed", "plain")  # as typed / without diacritics
STATUS_WHEN_ABSENT = "unknown"  # check_person lists only documents with eligibility facts


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_set() -> dict[str, list[dict]]:
    return {name: read_jsonl(DATA / f"{name}.jsonl") for name in ("questions", "people", "conversations")}


def fold(text: str) -> str:
    """Accent-, case- and spacing-insensitive form for finding an expected string in an answer."""
    return collapse_whitespace(strip_diacritics(normalize(text)).lower())


def dates_as_numbers(folded: str) -> str:
    """A date in any spelling ("19 thang 5 nam 2022", "19/05/2022", "19-5-2022") as day/month/year without leading
    zeros: an answer may give a document's date in another spelling than its text."""
    return _DATE_RE.sub(lambda m: f"{int(m.group(1))}/{int(m.group(2))}/{m.group(3)}", folded)


def contains(answer: str, expected: str) -> bool:
    text, wanted = _tight_dashes(fold(answer)), _tight_dashes(fold(expected))
    return wanted in text or dates_as_numbers(wanted) in dates_as_numbers(text)


def _tight_dashes(folded: str) -> str:
    """"2018 - 2025" = "2018-2025" = "2018 – 2025": a period in any spacing."""
    return re.sub(r"\s*[-–—]\s*", "-", folded)


_DATE_RE = re.compile(r"\b(\d{1,2})(?:\s*[/.-]\s*|\s+thang\s+)(\d{1,2})(?:\s*[/.-]\s*|\s+nam\s+)(\d{4})\b")


def plain(text: str) -> str:
    """The text as typed without diacritics."""
    return strip_diacritics(normalize(text))


def as_list(doc) -> list[str]:
    return [] if doc is None else [doc] if isinstance(doc, str) else list(doc)


@dataclass
class Verdict:
    """One item in one form: right or not, and why (kept for dev items only)."""

    right: bool
    answered: bool = False
    should_answer: bool = True
    passage_words: int | None = None
    detail: dict = field(default_factory=dict)


def judge(result: Answer, answerable: bool, expected: list[str], docs: list[str], cite_all: bool) -> Verdict:
    """An answer to a question the documents answer is right when it is given, holds every expected string and
    cites the right document(s); to one they do not answer, when it is refused."""
    words = len(result.answer.split()) if result.answered and result.kind == "passage" else None
    cited = [c.doc_id for c in result.citations]
    if not answerable:
        return Verdict(not result.answered, result.answered, False, words, {"cited": cited})
    missing = [e for e in expected if not contains(result.answer, e)]
    cited_ok = all(d in cited for d in docs) if cite_all else any(d in cited for d in docs)
    right = result.answered and not missing and cited_ok
    return Verdict(right, result.answered, True, words, {"missing": missing, "cited": cited, "cited_ok": cited_ok})


def question_text(item: dict, form: str) -> str:
    return item["question"] if form == "typed" else item["question_plain"]


def run_questions(index, questions: list[dict]) -> dict[tuple[str, str], list[tuple[dict, Verdict, Answer]]]:
    out: dict[tuple[str, str], list] = defaultdict(list)
    for item in questions:
        for form in FORMS:
            result = answer(index, question_text(item, form))
            verdict = judge(result, item["answerable"], item["expected"], as_list(item["doc"]),
                            item.get("cite") == "all")
            out[(item["split"], form)].append((item, verdict, result))
    return out


def run_people(index, people: list[dict]) -> dict[tuple[str, str], list[tuple[dict, bool, str, str]]]:
    out: dict[tuple[str, str], list] = defaultdict(list)
    for item in people:
        for form in FORMS:
            description = item["description"] if form == "typed" else plain(item["description"])
            try:
                result = check_person(index, person_from_input(description))
            except PersonInputError as error:  # nothing about the person could be read: no verdict (asked again)
                status, reason = STATUS_WHEN_ABSENT, f"(description not read: {error})"
            else:
                found = next((d for d in result.documents if d.doc_id == item["doc"]), None)
                status = found.status if found else STATUS_WHEN_ABSENT
                reason = found.reason if found else "(document not listed: no eligibility facts)"
            out[(item["split"], form)].append((item, status == item["expected"], status, reason))
    return out


def run_conversations(index, conversations: list[dict]) -> dict[tuple[str, str], list[tuple[dict, bool, list]]]:
    out: dict[tuple[str, str], list] = defaultdict(list)
    for item in conversations:
        for form in FORMS:
            context: Context | None = None
            turns = []
            for turn in item["turns"]:
                message = turn["message"] if form == "typed" else plain(turn["message"])
                step = ask(index, message, context)
                context = step.context
                verdict = judge(step.answer, turn.get("answerable", True), turn.get("expected", []),
                                as_list(turn.get("doc")), False)
                turns.append((turn, message, verdict, step.answer))
            out[(item["split"], form)].append((item, all(t[2].right for t in turns), turns))
    return out


def ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def summarise(questions, people, conversations) -> dict[str, dict]:
    """Aggregates per split and form: the only thing reported of the held-out split."""
    table: dict[str, dict] = {}
    for split in SPLITS:
        for form in FORMS:
            rows = questions.get((split, form), [])
            answerable = [v for _, v, _ in rows if v.should_answer]
            unanswerable = [v for _, v, _ in rows if not v.should_answer]
            refused = [v for _, v, _ in rows if not v.answered]
            words = [v.passage_words for _, v, _ in rows if v.passage_words is not None]
            checks = people.get((split, form), [])
            talks = conversations.get((split, form), [])
            table[f"{split}/{form}"] = {
                "questions": len(rows),
                "answerable_right": sum(v.right for v in answerable), "answerable": len(answerable),
                "answerable_accuracy": ratio(sum(v.right for v in answerable), len(answerable)),
                "refused": len(refused), "unanswerable": len(unanswerable),
                "refusal_precision": ratio(sum(not v.should_answer for v in refused), len(refused)),
                "refusal_recall": ratio(sum(not v.answered for v in unanswerable), len(unanswerable)),
                "passage_answers": len(words),
                "passage_words_median": statistics.median(words) if words else None,
                "rule_checks_right": sum(ok for _, ok, _, _ in checks), "rule_checks": len(checks),
                "conversations_right": sum(ok for _, ok, _ in talks), "conversations": len(talks),
            }
    return table


def per_kind(questions, split: str = "dev") -> dict[str, dict]:
    """Right answers per kind of question (both forms) of one split: counts only."""
    kinds: dict[str, list[bool]] = defaultdict(list)
    for form in FORMS:
        for item, verdict, _ in questions.get((split, form), []):
            kinds[item["kind"] + ("" if item["answerable"] else " (unanswerable)")].append(verdict.right)
    return {k: {"right": sum(v), "total": len(v)} for k, v in sorted(kinds.items())}


def _why_unknown(reason: str) -> str:
    """Why a verdict was 'unknown', in three words: the description was not read, the document names nobody, or the
    person's role was not said."""
    if reason.startswith("(description not read"):
        return "description not read"
    if reason.startswith("(document not listed") or "không nêu đối tượng" in reason:
        return "document names nobody"
    return "role not said"


def rule_check_confusion(people) -> dict[str, dict[str, int]]:
    """Per split, how many verdicts of each (expected → given) pair were wrong, both forms: an aggregate of counts
    only, which says which class of rule-check failure dominates without showing any item."""
    out: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        pairs: dict[str, int] = defaultdict(int)
        for form in FORMS:
            for item, ok, status, reason in people.get((split, form), []):
                if not ok:
                    why = f" ({_why_unknown(reason)})" if status == "unknown" else ""
                    pairs[f"{item['expected']}→{status}{why}"] += 1
        out[split] = dict(sorted(pairs.items(), key=lambda kv: -kv[1]))
    return out


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def print_table(table: dict[str, dict]) -> None:
    print("| split / form | answerable right | refusal precision | refusal recall | median words (passage answers) "
          "| rule checks right | conversations right |")
    print("|---|---|---|---|---|---|---|")
    for key, row in table.items():
        words = "–" if row["passage_words_median"] is None else f"{row['passage_words_median']:g}"
        print(f"| {key} | {pct(row['answerable_accuracy'])} ({row['answerable_right']}/{row['answerable']}) "
              f"| {pct(row['refusal_precision'])} ({row['refused']} refused) "
              f"| {pct(row['refusal_recall'])} (of {row['unanswerable']}) "
              f"| {words} ({row['passage_answers']}) "
              f"| {row['rule_checks_right']}/{row['rule_checks']} "
              f"| {row['conversations_right']}/{row['conversations']} |")


def dev_misses(questions, people, conversations) -> list[dict]:
    """Misses of the dev split, and only of it: held-out items are never looked at one by one (only the dev keys
    of the results are read here)."""
    misses = []
    for form in FORMS:
        for item, verdict, result in questions.get(("dev", form), []):
            if not verdict.right:
                misses.append({"what": "question", "id": item["id"], "form": form, "kind": item["kind"],
                               "question": question_text(item, form), "answerable": item["answerable"],
                               "expected": item["expected"], "doc": item["doc"], "answered": result.answered,
                               "confidence": round(result.confidence, 3), "answer_kind": result.kind,
                               "answer": result.answer, **verdict.detail})
        for item, ok, status, reason in people.get(("dev", form), []):
            if not ok:
                misses.append({"what": "person", "id": item["id"], "form": form, "doc": item["doc"],
                               "description": item["description"], "expected": item["expected"],
                               "got": status, "reason": reason})
        for item, ok, turns in conversations.get(("dev", form), []):
            if not ok:
                misses.append({"what": "conversation", "id": item["id"], "form": form, "turns": [
                    {"message": message, "right": verdict.right, "answered": result.answered,
                     "expected": turn.get("expected"), "answer": result.answer, **verdict.detail}
                    for turn, message, verdict, result in turns]})
    return misses


def print_misses(misses: list[dict]) -> None:
    for miss in misses:
        if miss["what"] == "question":
            print(f"MISS {miss['id']} [{miss['form']}] {miss['kind']} answerable={miss['answerable']} "
                  f"answered={miss['answered']} conf={miss['confidence']} ({miss['answer_kind']})\n"
                  f"  Q: {miss['question']}\n  expected: {miss['expected']} in {miss['doc']}\n"
                  f"  missing: {miss.get('missing')} cited: {miss.get('cited')}\n"
                  f"  A: {miss['answer'][:300]!r}", file=sys.stderr)
        elif miss["what"] == "person":
            print(f"MISS {miss['id']} [{miss['form']}] person «{miss['description']}» in {miss['doc']}: "
                  f"expected {miss['expected']}, got {miss['got']}\n  {miss['reason'][:300]}", file=sys.stderr)
        else:
            print(f"MISS {miss['id']} [{miss['form']}] conversation", file=sys.stderr)
            for turn in miss["turns"]:
                mark = "ok " if turn["right"] else "BAD"
                print(f"  {mark} {turn['message']!r} → expected {turn['expected']} "
                      f"answered={turn['answered']} cited={turn.get('cited')}\n      {turn['answer'][:200]!r}",
                      file=sys.stderr)


def own_set_figures(index_dir: Path) -> dict[str, float]:
    """The own question set on the two default documents, through bench/own_questions.py's own functions."""
    from bench.own_questions import evaluate, load_sets

    build_from_paths([DEFAULT_DOCS], index_dir, progress=False)
    own_questions, off_topic = load_sets()
    results = evaluate(load_index(index_dir), own_questions, off_topic)
    figures = {}
    for form, label in (("question", "typed"), ("question_plain", "plain")):
        for key in ("top1", "fact", "off_refused"):
            figures[f"{key}/{label}"] = statistics.mean(results[form][key])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=REPO / "var" / "bench" / "realdocs-index")
    parser.add_argument("--own-index", type=Path, default=REPO / "var" / "bench" / "own-index")
    parser.add_argument("--show-misses", action="store_true", help="print the misses of the dev split (only)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout (aggregates; dev misses "
                                                            "with --show-misses)")
    parser.add_argument("--skip-own", action="store_true", help="leave out the own set's figures")
    args = parser.parse_args()

    started = time.monotonic()
    load_start = os.getloadavg()[0]
    data = load_set()
    build_from_paths([DEFAULT_DOCS, REAL_DOCS], args.index, progress=False)
    index = load_index(args.index)
    questions = run_questions(index, data["questions"])
    people = run_people(index, data["people"])
    conversations = run_conversations(index, data["conversations"])
    table = summarise(questions, people, conversations)
    kinds = per_kind(questions)
    heldout_kinds = per_kind(questions, "heldout")  # counts per kind only: no held-out item is shown
    confusion = rule_check_confusion(people)
    own = None if args.skip_own else own_set_figures(args.own_index)
    misses = dev_misses(questions, people, conversations) if args.show_misses else []
    header = {"documents": len(index.documents), "chunks": len(index.chunks), "facts": len(index.facts),
              "seconds": round(time.monotonic() - started, 1), "load_average": [round(load_start, 2),
                                                                                  round(os.getloadavg()[0], 2)]}
    if args.json:
        print(json.dumps({"run": header, "figures": table, "dev_by_kind": kinds, "heldout_by_kind": heldout_kinds, "rule_check_misses": confusion,
                          "own_set": own,
                          "dev_misses": misses}, ensure_ascii=False))
        return
    print(f"\nReal documents: {header['documents']} documents ({header['chunks']} chunks, {header['facts']} facts), "
          f"{len(data['questions'])} questions × 2 forms, {len(data['people'])} people, "
          f"{len(data['conversations'])} conversations; {header['seconds']} s, load average "
          f"{header['load_average'][0]} → {header['load_average'][1]}")
    print_table(table)
    print("\nRight per kind of question (both forms):")
    print("  dev: " + "; ".join(f"{kind} {v['right']}/{v['total']}" for kind, v in kinds.items()))
    print("  held out (counts only): " + "; ".join(f"{kind} {v['right']}/{v['total']}"
                                                for kind, v in heldout_kinds.items()))
    print("\nRule-check misses by expected → given status (counts, both forms):")
    for split, pairs in confusion.items():
        print(f"  {split}: " + ("; ".join(f"{pair} {n}" for pair, n in pairs.items()) or "none"))
    if own is not None:
        print(f"\nOwn set (bench/own_questions.py, two default documents): top-1 section {pct(own['top1/typed'])} / "
              f"{pct(own['top1/plain'])}, expected fact in answer {pct(own['fact/typed'])} / {pct(own['fact/plain'])}, "
              f"off-topic refused {pct(own['off_refused/typed'])} / {pct(own['off_refused/plain'])} "
              f"(as typed / without diacritics)")
    if misses:
        print(f"\n{len(misses)} dev misses on stderr.")
        print_misses(misses)


if __name__ == "__main__":
    main()
