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

    def join(self, tokens: tf.Tensor) -> tf.Tensor:
        """[B, T] token strings ("" = none) -> [B] texts, one space between tokens."""
        return tf.strings.strip(tf.strings.reduce_join(tokens, axis=-1, separator=" "))


@register_tokenizer("whitespace")
class WhitespaceTokenizer:
    """Tokens separated by whitespace, punctuation left attached."""

    def __init__(self):
        self._tokenizer = tf_text.WhitespaceTokenizer()

    def split(self, strings: tf.Tensor) -> tf.RaggedTensor:
        return self._tokenizer.tokenize(strings)

    def join(self, tokens: tf.Tensor) -> tf.Tensor:
        return tf.strings.strip(tf.strings.reduce_join(tokens, axis=-1, separator=" "))


@register_tokenizer("char")
class CharTokenizer:
    """Unicode characters (code points), whitespace included."""

    def split(self, strings: tf.Tensor) -> tf.RaggedTensor:
        return tf.strings.unicode_split(strings, "UTF-8", errors="replace")

    def join(self, tokens: tf.Tensor) -> tf.Tensor:
        return tf.strings.reduce_join(tokens, axis=-1)


#: SentencePiece's word-boundary mark: "▁" starts every token that follows a space.
SPACE_MARK = "\u2581"


@register_tokenizer("word_marked")
class MarkedWordTokenizer:
    """Words and punctuation like ``word``, each token that follows a space (or starts the
    text) prefixed with ``▁``; joining the tokens and turning ``▁`` back into spaces
    restores the text ("C'est bien !" -> ▁C ' est ▁bien ▁!), which a decoder's output
    needs (``word`` would give "C ' est bien !")."""

    def split(self, strings: tf.Tensor) -> tf.RaggedTensor:
        strings = tf.strings.regex_replace(strings, f"{SPACE_MARK}|\\s+", " ")
        tokens, begins, _ = tf_text.regex_split_with_offsets(
            strings, WordTokenizer.delim_pattern, WordTokenizer.keep_pattern)
        row_text = tf.gather(strings, tokens.value_rowids())
        start = begins.flat_values
        before = tf.strings.substr(row_text, tf.maximum(start - 1, 0), tf.ones_like(start))
        spaced = tf.logical_or(tf.equal(start, 0), tf.equal(before, " "))
        flat = tokens.flat_values
        return tokens.with_flat_values(tf.where(spaced, SPACE_MARK + flat, flat))

    def join(self, tokens: tf.Tensor) -> tf.Tensor:
        joined = tf.strings.reduce_join(tokens, axis=-1)
        return tf.strings.strip(tf.strings.regex_replace(joined, SPACE_MARK, " "))


def get_tokenizer(name: str):
    return TOKENIZERS[name]()
