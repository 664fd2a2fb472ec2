"""Tokens -> the tagger's integer inputs (word, character and casing ids), in the graph.

The same ``tf.Module`` feeds training (inside the tf.data pipeline) and serving (inside
the SavedModel), so there is no train/serve skew: words are looked up by their
normalized key (``tokenizer.word_key``), characters as written (case kept: it is the
strongest entity signal without pretrained embeddings), casing as a small class.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from seqkeras.constants import PAD_ID, UNK_ID
from seqkeras.text.encoder import VOCAB_FILE, load_vocab
from seqkeras.topologies.many_to_many.tokenizer import normalize_tokens, word_key

CHARS_FILE = "chars.txt"

#: Casing classes, in id order (0 is padding); the first matching rule wins.
CASINGS = ("[PAD]", "numeric", "has_digit", "punctuation", "lower", "UPPER", "Title",
           "mIxed", "other")
_CASING_RULES = (
    (1, r"[+-]?[0-9]+(?:[.,:/-][0-9]+)*"),
    (2, r".*[0-9].*"),
    (3, r"[\p{P}\p{S}]+"),
    (4, r"[^\p{Lu}]*\p{Ll}[^\p{Lu}]*"),
    (5, r"[^\p{Ll}]*\p{Lu}[^\p{Ll}]*"),
    (6, r"\p{Lu}.*"),
    (7, r".*\p{L}.*"),
)

#: The model's inputs, always all three (a feature switched off leaves its input unused),
#: so datasets and the serving graph never depend on which features a model reads (a
#: tuner may switch them between trials while reusing one dataset).
MODEL_INPUTS = ("word_ids", "char_ids", "casing_ids")


def casing_ids(tokens: tf.Tensor) -> tf.Tensor:
    """Casing class id (int64, an index into ``CASINGS``) of each token string, any
    shape; empty strings are padding (0)."""
    ids = tf.fill(tf.shape(tokens), tf.constant(len(CASINGS) - 1, tf.int64))
    for value, pattern in reversed(_CASING_RULES):
        ids = tf.where(tf.strings.regex_full_match(tokens, pattern),
                       tf.constant(value, tf.int64), ids)
    return tf.where(tf.equal(tokens, ""), tf.constant(0, tf.int64), ids)


class TokenFeaturizer(tf.Module):
    """Padded token strings [B, T] + lengths [B] -> the model's integer inputs:
    ``word_ids`` [B, T], ``char_ids`` [B, T, C<=char_max_length], ``casing_ids`` [B, T];
    every padded step is 0 whatever string it holds.

    ``spec``: the pipeline spec (its ``tokenize`` section and ``model.char_max_length``);
    ``prep_dir``: the tokenize stage's folder with ``vocab.txt`` and ``chars.txt``
    (unknown words and characters map to [UNK]). Raises FileNotFoundError when either
    file is missing.
    """

    def __init__(self, spec, prep_dir: Path):
        super().__init__(name="token_featurizer")
        self.tokenize_spec, self.char_max_length = spec.tokenize, spec.model.char_max_length
        self.vocab_path, self.chars_path = str(prep_dir / VOCAB_FILE), str(prep_dir / CHARS_FILE)
        self.vocab, self.chars = load_vocab(self.vocab_path), load_vocab(self.chars_path)
        self.word_table = _table(self.vocab_path)
        self.char_table = _table(self.chars_path)

    @property
    def vocab_size(self) -> int:
        """Words in the vocabulary, reserved tokens included."""
        return len(self.vocab)

    @property
    def char_vocab_size(self) -> int:
        """Characters in the character vocabulary, reserved tokens included."""
        return len(self.chars)

    def __call__(self, tokens, lengths, keys=("word_ids", "char_ids", "casing_ids")) -> dict:
        """``tokens`` string ``[B, T]``, ``lengths`` int ``[B]`` -> the int64 features
        named in ``keys`` (``word_ids``, ``char_ids``, ``casing_ids``)."""
        tokens = tf.convert_to_tensor(tokens, tf.string)
        mask = tf.sequence_mask(tf.cast(lengths, tf.int32), tf.shape(tokens)[1])
        tokens = tf.where(mask, normalize_tokens(self.tokenize_spec, tokens), "")
        out = {}
        if "word_ids" in keys:
            ids = self.word_table.lookup(word_key(self.tokenize_spec, tokens))
            out["word_ids"] = tf.where(mask, ids, tf.constant(PAD_ID, tf.int64))
        if "casing_ids" in keys:
            out["casing_ids"] = tf.where(mask, casing_ids(tokens), tf.constant(0, tf.int64))
        if "char_ids" in keys:
            flat = tf.reshape(tokens, [-1])
            chars = tf.strings.unicode_split(flat, "UTF-8", errors="replace")
            chars = chars[:, :self.char_max_length]
            ids = tf.ragged.map_flat_values(self.char_table.lookup, chars).to_tensor(PAD_ID)
            shape = tf.concat([tf.shape(tokens), tf.shape(ids)[1:]], axis=0)
            out["char_ids"] = tf.reshape(ids, shape)
        return out


def _table(path: str) -> tf.lookup.StaticHashTable:
    initializer = tf.lookup.TextFileInitializer(
        path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
        tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER)
    return tf.lookup.StaticHashTable(initializer, default_value=UNK_ID)
