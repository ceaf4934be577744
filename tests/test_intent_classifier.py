"""nlu/intent_classifier.py in Rasa's venv: a classifier restored by Rasa's training cache under another node name
loads (Rasa's own LogisticRegressionClassifier does not), and its features are Rasa's, one `hstack` instead of many.

(Its accuracy is tests/test_rasa.py's held-out NLU test; empty and odd messages are tests/test_bad_input.py's.)
"""

from __future__ import annotations

import os
import subprocess

from actions.launch import RASA
from conftest import ROOT

SCRIPT = r"""
import sys, tempfile
from pathlib import Path
import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.intent_classifier import IntentClassifier

rng = np.random.default_rng(7)
WIDTHS = (3, 5, 4)  # a regex featurizer, then two count featurizers

def message(intent, counts, tokens=2):
    m = Message(data={"text": "x " * tokens, "intent": intent})
    m.set(TOKENS_NAMES[TEXT], [Token("x", 2 * n) for n in range(tokens)])
    for n, (width, row) in enumerate(zip(WIDTHS, counts)):
        origin = f"featurizer{n}"
        m.add_features(Features(scipy.sparse.coo_matrix(rng.integers(0, 2, (tokens, width))), "sequence", "text", origin))
        m.add_features(Features(scipy.sparse.coo_matrix(np.array([row])), "sentence", "text", origin))
    return m

def example(intent):
    bias = 0 if intent == "greet" else 2
    return message(intent, [rng.integers(0, 3, w) + (np.arange(w) % 3 == bias) * 3 for w in WIDTHS])

data = TrainingData([example(i) for i in ("greet", "ask_target") * 20])
probe = [example("greet"), example("ask_target")]

def context(node):
    return ExecutionContext(GraphSchema({}), node_name=node)

for cls in (IntentClassifier, LogisticRegressionClassifier):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "storage").mkdir()
        storage = LocalModelStorage(folder / "storage")
        trained = cls.create({}, storage, Resource("train_Classifier6"), context("train_Classifier6"))
        trained.train(data)
        if cls is IntentClassifier:  # the same row as Rasa's, built in one go
            for m in probe:
                ours, rasas = trained._create_X([m]), LogisticRegressionClassifier._create_X(trained, [m])
                assert ours.shape == rasas.shape == (1, sum(WIDTHS)) and (ours != rasas).nnz == 0, (ours, rasas)
        # Rasa's training cache keeps the output, then restores it for a node of another number.
        Resource("train_Classifier6").to_cache(folder / "cache", storage)
        restored = Resource.from_cache("train_Classifier7", folder / "cache", storage, "fingerprint")
        try:
            loaded = cls.load({}, storage, restored, context("run_Classifier7"))
            loaded.process(probe)
            print(cls.__name__, "loaded", [m.get("intent")["name"] for m in probe])
        except Exception as error:
            print(cls.__name__, "failed", type(error).__name__)
        if cls is IntentClassifier:  # a message without tokens has no regex features: a row of zeros, not a crash
            empty = Message(data={"text": ""})
            for width, name in zip(WIDTHS[1:], ("featurizer1", "featurizer2")):
                empty.add_features(Features(scipy.sparse.coo_matrix((1, width)), "sentence", "text", name))
            row = loaded._create_X([empty])
            assert row.shape == (1, sum(WIDTHS)) and row.nnz == 0, row
            loaded.process([empty])
            print("empty", empty.get("intent")["name"] in {"greet", "ask_target"})
"""


def test_intent_classifier_survives_the_training_cache_and_builds_rasas_features():
    assert RASA.exists(), "Rasa's venv is missing: run `make train` (make test does it)"
    result = subprocess.run([str(RASA.parent / "python"), "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "IntentClassifier loaded ['greet', 'ask_target']" in lines, result.stdout
    # Rasa's own class fails on the same restored resource: what the fix is for (were it fixed upstream, this
    # line would say so, and the subclass could go).
    assert "LogisticRegressionClassifier failed FileNotFoundError" in lines, result.stdout
    assert "empty True" in lines, result.stdout
