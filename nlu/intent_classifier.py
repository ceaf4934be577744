"""Rasa's logistic-regression intent classifier, with two fixes.

- Rasa 3.6's LogisticRegressionClassifier names its file after the graph node (`train_…Classifier6.skops`). When
  the training cache restores that node's output under another node name (a component added before it shifts the
  number, same fingerprint), the model cannot load: `FileNotFoundError … train_…Classifier7.skops`. One fixed name
  avoids it.
- It reads a message's features through `Message.get_sparse_features`, which deep-copies and joins the sequence
  features it does not use and joins the sentence features one `hstack` at a time (≈ 1.5 ms a message here): the
  same row is built in one `hstack` of the sentence features, sparse then dense, in pipeline order as Rasa's.

With these it classifies in ≈ 1 ms where DIET took ≈ 7 ms of CPU, with the same held-out intent F1 (README).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

import scipy.sparse

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

MODEL_FILE = "classifier.skops"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentClassifier(LogisticRegressionClassifier):
    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        return scipy.sparse.vstack([self._sentence_row(message) for message in messages], format="csr")

    def _sentence_row(self, message: Message) -> scipy.sparse.csr_matrix:
        if not (message.get(TEXT) or "").strip() and hasattr(self.clf, "n_features_in_"):
            # An empty message (or only spaces) gets no regex features at all, and Rasa's own class crashes on the
            # short row; it counts no word, pattern or n-gram, so its row is all zeros.
            return scipy.sparse.csr_matrix((1, self.clf.n_features_in_))
        sentence = [feature for feature in message.features
                    if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE]
        blocks = [scipy.sparse.csr_matrix(feature.features) for feature in sentence if feature.is_sparse()] + \
                 [scipy.sparse.csr_matrix(feature.features) for feature in sentence if feature.is_dense()]
        return scipy.sparse.hstack(blocks, format="csr")

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.clf, model_dir / MODEL_FILE)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "IntentClassifier":
        import skops.io as sio

        with model_storage.read_from(resource) as model_dir:
            path = model_dir / MODEL_FILE
            # Only sklearn and numpy types are in a file we wrote; anything else means it is not ours: refuse it.
            untrusted = sio.get_untrusted_types(file=path)
            if untrusted:
                raise ValueError(f"{path}: unexpected types {untrusted}")
            component = cls(config, execution_context.node_name, model_storage, resource)
            component.clf = sio.load(path, trusted=[])
            return component
