"""The real-document set through Rasa's REST webhook, beside the CLI's answers: does the assistant say the same
through both paths, and who decides what a question asks for?

Starts the action server and the Rasa server (actions/launch.py, free loopback ports) on the index that
bench/real_documents.py builds (var/bench/realdocs-index; run that first), then, for every question of the set
(dev and held out, as typed and without diacritics):

- asks Rasa's NLU (POST /model/parse) for its intent and knowledge.question for its kind of fact, and compares
  both with the kind the item was written for (subject, proposer and legal bases count as "document", "other" as no
  kind): agreement and accuracy of each decider, and how often the intent is out_of_scope;
- sends it through POST /webhooks/rest/webhook (a fresh conversation each) and judges the reply as
  bench/real_documents.py judges the CLI's answer (answered, expected strings, a citation of the right document);
  also the CLI's answer (knowledge.answer.answer) and how often the two agree;
- sends every conversation, turn by turn, in a conversation of its own.

Held-out items count in aggregates only; --show-misses lists dev items where REST and CLI differ.

    python bench/rest_real.py [--show-misses] [--json] [--index DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from actions.actions import INTENT_KINDS  # noqa: E402
from actions.launch import running_servers  # noqa: E402
from knowledge.answer import Answer, Citation, answer  # noqa: E402
from knowledge.index import load_index  # noqa: E402
from knowledge.question import analyse  # noqa: E402
from knowledge.search import prepare_query  # noqa: E402
from real_documents import FORMS, SPLITS, as_list, judge, load_set, pct, question_text  # noqa: E402

INDEX = REPO / "var" / "bench" / "realdocs-index"
# The kind a question of the set was written for, as knowledge.kinds names kinds.
GOLD_KIND = {"subject": "document", "proposer": "document", "legal_basis": "document", "other": None}
TIMEOUT = 60.0


def gold_kind(item: dict) -> str | None:
    return GOLD_KIND.get(item["kind"], item["kind"])


def same_kind(found: str | None, gold: str | None) -> bool:
    """A check of a person's coverage asks about eligibility or exclusion."""
    if found == "check" and gold in ("eligibility", "exclusion"):
        return True
    return found == gold


def rest_answer(client: httpx.Client, rasa_url: str, sender: str, message: str) -> Answer:
    """The REST reply as an Answer: its text, and from the custom payload whether it answered and what it cited."""
    response = client.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
    response.raise_for_status()
    replies = response.json()
    text = "\n".join(r.get("text", "") for r in replies if r.get("text"))
    custom = next((r["custom"] for r in replies if isinstance(r.get("custom"), dict) and "answered" in r["custom"]),
                  {})
    citations = [Citation(c.get("doc", ""), c.get("doc_id", ""), c.get("title", ""), c.get("section", ""),
                          c.get("quote", "")) for c in custom.get("citations", [])]
    return Answer(text, bool(custom.get("answered")), float(custom.get("confidence") or 0.0), citations,
                  custom.get("kind") or "none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=INDEX)
    parser.add_argument("--show-misses", action="store_true", help="dev items where REST and CLI differ")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (args.index / "CURRENT").exists():
        sys.exit(f"no index at {args.index}: run bench/real_documents.py first")
    data = load_set()
    index = load_index(args.index)
    started = time.monotonic()
    kinds: dict[str, Counter] = defaultdict(Counter)
    paths: dict[str, Counter] = defaultdict(Counter)
    talks: dict[str, Counter] = defaultdict(Counter)
    misses = []
    with running_servers(CCVC_INDEX_DIR=str(args.index)) as servers, httpx.Client(timeout=TIMEOUT) as client:
        for item in data["questions"]:
            for form in FORMS:
                key = f"{item['split']}/{form}"
                text = question_text(item, form)
                parsed = client.post(f"{servers.rasa_url}/model/parse", params={"token": servers.token},
                                     json={"text": text}).json()
                intent = (parsed.get("intent") or {}).get("name")
                prepared = prepare_query(index, text)
                knowledge_kind = analyse(index, prepared.text, prepared.dense_text).kind
                intent_kind = INTENT_KINDS.get(intent)
                gold = gold_kind(item)
                counts = kinds[key]
                counts["questions"] += 1
                counts["agree"] += same_kind(knowledge_kind, intent_kind) or (knowledge_kind is None and intent in (
                    "nlu_fallback", "out_of_scope", "follow_up", "inform"))
                counts["knowledge_right"] += same_kind(knowledge_kind, gold)
                counts["intent_right"] += same_kind(intent_kind, gold)
                counts["out_of_scope"] += intent == "out_of_scope"
                counts["out_of_scope_answerable"] += intent == "out_of_scope" and item["answerable"]

                docs, cite_all = as_list(item["doc"]), item.get("cite") == "all"
                cli = judge(answer(index, text), item["answerable"], item["expected"], docs, cite_all)
                rest_result = rest_answer(client, servers.rasa_url, f"bench-{uuid.uuid4().hex[:12]}", text)
                rest = judge(rest_result, item["answerable"], item["expected"], docs, cite_all)
                tally = paths[key]
                tally["questions"] += 1
                tally["cli_right"] += cli.right
                tally["rest_right"] += rest.right
                tally["same"] += cli.right == rest.right and cli.answered == rest.answered
                if item["split"] == "dev" and (cli.right != rest.right or cli.answered != rest.answered):
                    misses.append({"id": item["id"], "form": form, "question": text, "intent": intent,
                                   "knowledge_kind": knowledge_kind, "cli_right": cli.right,
                                   "rest_right": rest.right, "rest": rest_result.answer[:200]})
        for item in data["conversations"]:
            for form in FORMS:
                key = f"{item['split']}/{form}"
                sender = f"bench-{uuid.uuid4().hex[:12]}"
                right = True
                for turn in item["turns"]:
                    message = turn["message"] if form == "typed" else question_text(
                        {"question": turn["message"], "question_plain": _plain(turn["message"])}, "plain")
                    result = rest_answer(client, servers.rasa_url, sender, message)
                    verdict = judge(result, turn.get("answerable", True), turn.get("expected", []),
                                    as_list(turn.get("doc")), False)
                    right = right and verdict.right
                talks[key]["conversations"] += 1
                talks[key]["right"] += right
    table = {key: {**kinds[key], **{f"path_{k}": v for k, v in paths[key].items()},
                   **{f"talk_{k}": v for k, v in talks[key].items()}}
             for key in (f"{s}/{f}" for s in SPLITS for f in FORMS)}
    if args.json:
        print(json.dumps({"table": table, "dev_differences": misses if args.show_misses else []},
                         ensure_ascii=False))
        return
    print(f"\nREST webhook and CLI on the real-document set ({time.monotonic() - started:.0f} s)")
    print("| split / form | knowledge kind right | intent kind right | agree | intent out_of_scope (answerable) "
          "| CLI right | REST right | same verdict | REST conversations right |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, row in table.items():
        n = row["questions"] or 1
        print(f"| {key} | {pct(row['knowledge_right'] / n)} | {pct(row['intent_right'] / n)} "
              f"| {pct(row['agree'] / n)} | {row['out_of_scope']} ({row['out_of_scope_answerable']}) "
              f"| {row['path_cli_right']}/{row['path_questions']} | {row['path_rest_right']}/{row['path_questions']} "
              f"| {pct(row['path_same'] / (row['path_questions'] or 1))} "
              f"| {row.get('talk_right', 0)}/{row.get('talk_conversations', 0)} |")
    if args.show_misses:
        for miss in misses:
            print(f"DIFF {miss['id']} [{miss['form']}] intent={miss['intent']} kind={miss['knowledge_kind']} "
                  f"cli={miss['cli_right']} rest={miss['rest_right']}\n  Q: {miss['question']}\n"
                  f"  REST: {miss['rest']!r}", file=sys.stderr)


def _plain(text: str) -> str:
    from real_documents import plain

    return plain(text)


if __name__ == "__main__":
    main()
