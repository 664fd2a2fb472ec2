"""TextEncoder: normalize -> split -> look up ids, as one tf.Module.

The same object feeds the tf.data training pipeline and runs inside the exported
SavedModel, so what the model saw in training is exactly what it sees when served.
"""

from __future__ import annotations

import collections
import contextlib
from pathlib import Path
from typing import Iterable

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from seqkeras.constants import RESERVED_TOKENS, UNK_ID
from seqkeras.spec import TokenizeSpec
from seqkeras.spec.auto import fixed
from seqkeras.text.tokenizers import get_tokenizer

VOCAB_FILE = "vocab.txt"


class TextNormalizer:
    """Unicode normalization, case folding and regex replacements, in-graph."""

    def __init__(self, config: TokenizeSpec):
        self.config = config

    def __call__(self, strings: tf.Tensor) -> tf.Tensor:
        c = self.config
        if c.unicode_normalization != "none":
            strings = tf_text.normalize_utf8(strings, c.unicode_normalization)
        if c.lowercase:
            strings = tf_text.case_fold_utf8(strings)
        for r in c.replace:
            strings = tf.strings.regex_replace(strings, r.pattern, r.rewrite)
        return strings


class TextEncoder(tf.Module):
    """Strings -> ragged token ids, truncated to ``max_length``."""

    def __init__(self, config: TokenizeSpec, vocab_path: str | Path):
        super().__init__(name="text_encoder")
        self.config = config = fixed(config)  # auto here: no statistics at hand
        self.normalize = TextNormalizer(config)
        self.vocab_path = str(vocab_path)
        self.vocab = load_vocab(vocab_path)
        self.tokenizer = get_tokenizer(config.level, self.vocab)
        initializer = tf.lookup.TextFileInitializer(
            self.vocab_path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
            tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER)
        self.table = tf.lookup.StaticHashTable(initializer, default_value=UNK_ID)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def tokenize(self, strings: tf.Tensor) -> tf.RaggedTensor:
        tokens = self.tokenizer.split(self.normalize(strings))
        return truncate(tokens, self.config.max_length, self.config.truncate)

    def __call__(self, strings: tf.Tensor) -> tf.RaggedTensor:
        return tf.ragged.map_flat_values(self.table.lookup, self.tokenize(strings))


def truncate(ragged: tf.RaggedTensor, max_length, mode: str) -> tf.RaggedTensor:
    """Rows of a ``[B, (T)]`` ragged tensor cut to ``max_length`` items (None: unchanged),
    keeping the end (``mode == "keep_end"``) or the start (any other mode)."""
    if max_length is None:
        return ragged
    if mode == "keep_end":
        return ragged[:, -max_length:]
    return ragged[:, :max_length]


#: Inside :func:`keep_last_split`: [how it split, the texts, (counts, lengths)] of the
#: last :func:`token_counts` answer; None outside.
_LAST_SPLIT: list | None = None


@contextlib.contextmanager
def keep_last_split():
    """Within it, :func:`token_counts` keeps its last answer and gives it back to a call
    with the same splitting settings and equal texts. The tokenize stage asks twice for
    the same training split, for the ``auto`` statistics and for the vocabulary (``auto``
    resolved in between changes no setting that splits); nothing is kept after it."""
    global _LAST_SPLIT
    _LAST_SPLIT = [None, None, None]
    try:
        yield
    finally:
        _LAST_SPLIT = None


def token_counts(config: TokenizeSpec, texts: Iterable[str], batch_size: int = 512):
    """(token counts, sequence-length histogram) of ``texts`` (strings; others via
    ``str``) split by the in-graph normalizer and tokenizer of ``config``: two
    ``collections.Counter``, tokens as UTF-8 bytes (see :func:`keep_last_split`)."""
    texts = tuple(t if isinstance(t, str) else str(t) for t in texts)
    how = (config.level, config.lowercase, config.unicode_normalization,
           tuple((r.pattern, r.rewrite) for r in config.replace), batch_size)
    if _LAST_SPLIT is not None and _LAST_SPLIT[0] == how and _LAST_SPLIT[1] == texts:
        counts, lengths = _LAST_SPLIT[2]
        return collections.Counter(counts), collections.Counter(lengths)
    normalize, tokenizer = TextNormalizer(config), get_tokenizer(config.level)

    @tf.function(reduce_retracing=True)
    def split(batch):
        tokens = tokenizer.split(normalize(batch))
        return tokens.flat_values, tokens.row_lengths()

    counts: collections.Counter = collections.Counter()
    lengths: collections.Counter = collections.Counter()
    for start in range(0, len(texts), batch_size):
        flat, rows = split(tf.constant(texts[start:start + batch_size]))
        counts.update(flat.numpy().tolist())
        lengths.update(rows.numpy().tolist())
    if _LAST_SPLIT is not None:
        _LAST_SPLIT[:] = [how, texts, (counts, lengths)]
        return collections.Counter(counts), collections.Counter(lengths)
    return counts, lengths


def count_tokens(config: TokenizeSpec, texts: Iterable[str], batch_size: int = 512):
    """Token frequencies over ``texts`` using the in-graph normalizer and tokenizer
    (:func:`token_counts`)."""
    return token_counts(config, texts, batch_size)[0]


def build_vocab(counts: collections.Counter, max_tokens: int, min_frequency: int) -> list[str]:
    """Reserved tokens first, then tokens by falling frequency (ties alphabetical)."""
    reserved = set(RESERVED_TOKENS)
    ranked = sorted(
        ((tok.decode("utf-8", "replace"), n) for tok, n in counts.items()),
        key=lambda item: (-item[1], item[0]))
    vocab = list(RESERVED_TOKENS)
    for token, n in ranked:
        if len(vocab) >= max_tokens or n < min_frequency:
            break
        # A vocabulary file has one token a line: tokens holding line breaks cannot be stored.
        if token in reserved or not token or any(ch in token for ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
            continue
        vocab.append(token)
    return vocab


def fit_vocabulary(config: TokenizeSpec, texts: Iterable[str], out_dir: str | Path) -> dict:
    """Count tokens over the training texts, save ``vocab.txt`` in ``out_dir`` and
    return what a tokenize summary reports about it."""
    config = fixed(config)  # the stages pass it resolved; auto here: the fixed defaults
    counts = count_tokens(config, texts)
    tokenizer = get_tokenizer(config.level)
    subwords = getattr(tokenizer, "needs_vocabulary", False)  # pieces learned from word counts
    vocab = (tokenizer.learn if subwords else build_vocab)(
        counts, config.max_tokens, config.min_frequency)
    save_vocab(vocab, Path(out_dir) / VOCAB_FILE)
    if subwords:
        return {"vocab_size": len(vocab), "distinct_words": len(counts),
                "train_words": int(sum(counts.values())),
                "vocab_coverage": piece_coverage(config, counts, vocab)}
    return {"vocab_size": len(vocab), "distinct_tokens": len(counts),
            "train_tokens": int(sum(counts.values())), "vocab_coverage": coverage(counts, vocab)}


def save_vocab(vocab: list[str], path: str | Path) -> None:
    """Write a vocabulary, one token a line in id order (UTF-8), as lookup tables read it."""
    Path(path).write_text("".join(f"{t}\n" for t in vocab), encoding="utf-8")


def load_vocab(path: str | Path) -> list[str]:
    """The tokens of a vocabulary file in id order; raises FileNotFoundError."""
    return Path(path).read_text(encoding="utf-8").split("\n")[:-1]


def coverage(counts: collections.Counter, vocab: list[str]) -> float:
    """Share of training tokens the vocabulary covers (the rest become UNK)."""
    total = sum(counts.values())
    known = set(t.encode("utf-8") for t in vocab)
    return float(sum(n for t, n in counts.items() if t in known) / total) if total else 0.0


def piece_coverage(config: TokenizeSpec, word_counts: collections.Counter,
                   vocab: list[str]) -> float:
    """Share of training words the subword vocabulary spells without [UNK]."""
    total = sum(word_counts.values())
    if not total:
        return 0.0
    words = list(word_counts)
    pieces = get_tokenizer(config.level, vocab).pieces.tokenize(tf.constant(words))
    unknown = tf.reduce_any(tf.equal(pieces, RESERVED_TOKENS[UNK_ID]), axis=1).numpy()
    return float(sum(word_counts[w] for w, u in zip(words, unknown) if not u) / total)


def pad_batch(ids: list[list[int]]) -> np.ndarray:
    """Id lists -> int64 ``[len(ids), max(1, longest)]``, right-padded with 0 ([PAD])."""
    width = max([len(x) for x in ids] + [1])
    out = np.zeros((len(ids), width), dtype=np.int64)
    for i, row in enumerate(ids):
        out[i, :len(row)] = row
    return out
