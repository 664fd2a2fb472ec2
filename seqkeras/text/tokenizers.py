"""Tokenizers, registered by name. Each splits a batch of normalized strings into a
RaggedTensor of token strings using only core TF ops and the tensorflow-text ops
that TensorFlow Serving links (see DESIGN.md), so they can run inside an export."""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as tf_text

TOKENIZERS: dict[str, type] = {}


def register_tokenizer(name: str):
    def wrap(cls):
        TOKENIZERS[name] = cls
        cls.name = name
        return cls
    return wrap


@register_tokenizer("word")
class WordTokenizer:
    """Words and single punctuation marks ("it's great!" -> it ' s great !)."""

    delim_pattern = r"\s+|[\p{P}\p{S}]"
    keep_pattern = r"[\p{P}\p{S}]"

    def split(self, strings: tf.Tensor) -> tf.RaggedTensor:
        return tf_text.regex_split(strings, self.delim_pattern, self.keep_pattern)


@register_tokenizer("whitespace")
class WhitespaceTokenizer:
    """Tokens separated by whitespace, punctuation left attached."""

    def __init__(self):
        self._tokenizer = tf_text.WhitespaceTokenizer()

    def split(self, strings: tf.Tensor) -> tf.RaggedTensor:
        return self._tokenizer.tokenize(strings)


@register_tokenizer("char")
class CharTokenizer:
    """Unicode characters (code points), whitespace included."""

    def split(self, strings: tf.Tensor) -> tf.RaggedTensor:
        return tf.strings.unicode_split(strings, "UTF-8", errors="replace")


def get_tokenizer(name: str):
    return TOKENIZERS[name]()
