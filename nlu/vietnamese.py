"""A Rasa tokenizer for Vietnamese typed with or without diacritics.

Runs inside the Rasa process (Python 3.10 venv), so it needs nothing of ours but `knowledge.text`, which
is pure standard library. Each message is normalised (NFC, one tone-mark placement: hoà = hòa) and split
on whitespace like Rasa's WhitespaceTokenizer. Every token keeps its accented text and gets the
diacritic-free lower-case form as its lemma, so config.yml can featurise both: CountVectorsFeaturizer with
`use_lemma: false` sees "công chức", with `use_lemma: true` sees "cong chuc", which is what an official
typing without diacritics sends.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.text import fix_tones, strip_diacritics


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Whitespace tokens of the normalised text, each with a diacritic-free lemma."""

    @staticmethod
    def _normalise(message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            # fix_tones keeps the length of NFC text, so entity offsets in training data stay valid.
            message.set(TEXT, fix_tones(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example)
        return super().process_training_data(training_data)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalise(message)
        return super().process(messages)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = strip_diacritics(token.text.lower())
        return tokens
