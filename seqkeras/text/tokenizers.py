"""Tokenizers, registered by name. Each splits a batch of normalized strings into a
RaggedTensor of token strings using only core TF ops and the tensorflow-text ops
that TensorFlow Serving links (see DESIGN.md), so they can run inside an export."""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as tf_text

from seqkeras.constants import RESERVED_TOKENS, UNK

TOKENIZERS: dict[str, type] = {}


def register_tokenizer(name: str):
    """Class decorator: register a tokenizer under ``tokenize.level`` value ``name``."""
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


@register_tokenizer("wordpiece")
class WordpieceTokenizer:
    """Subwords learned from the training split (BERT's WordPiece, tensorflow-text):
    the text is split into ``word_marked`` words, each word into the longest pieces in
    the vocabulary, pieces after the first prefixed ``##`` ("▁unbelievable" ->
    ▁un ##believ ##able). Rare words become pieces instead of [UNK], and the pieces
    join back into the text. Served by the ``fast_wordpiece`` ops TF Serving links."""

    #: The vocabulary is learned by ``learn`` from word counts, not counted directly.
    needs_vocabulary = True
    suffix = "##"

    def __init__(self, vocab: list[str] | None = None):
        self.words = MarkedWordTokenizer()
        self.pieces = None if vocab is None else tf_text.FastWordpieceTokenizer(
            vocab, suffix_indicator=self.suffix, unknown_token=UNK, token_out_type=tf.string,
            no_pretokenization=True, support_detokenization=False)

    def split(self, strings: tf.Tensor) -> tf.RaggedTensor:
        """Pieces; words while no vocabulary is given (what ``learn`` counts)."""
        words = self.words.split(strings)
        if self.pieces is None:
            return words
        return words.with_flat_values(self.pieces.tokenize(words.flat_values)).merge_dims(1, 2)

    def join(self, tokens: tf.Tensor) -> tf.Tensor:
        return self.words.join(tf.strings.regex_replace(tokens, f"^{self.suffix}", ""))

    @classmethod
    def learn(cls, word_counts: dict, max_tokens: int, min_frequency: int) -> list[str]:
        """Reserved tokens, then at most ``max_tokens`` in all: every character of the
        words seen at least ``min_frequency`` times, alone and as a ##suffix (so only
        characters never seen in training become [UNK]), then the learnt pieces that
        fit. Raises DataError when ``max_tokens`` cannot hold the reserved tokens and
        those characters."""
        from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib

        from seqkeras.errors import DataError

        counts = [(w.decode("utf-8", "replace") if isinstance(w, bytes) else w, n)
                  for w, n in word_counts.items() if n >= min_frequency]
        vocab = wordpiece_tokenizer_learner_lib.learn(
            counts, max_tokens, list(RESERVED_TOKENS), lower_thresh=min_frequency,
            joiner=cls.suffix)
        # the learner lists reserved tokens, characters, pieces, then ##characters, and
        # may return more than max_tokens: the characters go first, so a cut drops pieces
        vocab = [t for t in vocab if t]
        reserved = [t for t in vocab if t in RESERVED_TOKENS]
        alphabet = [t for t in vocab if t not in RESERVED_TOKENS
                    and len(t.removeprefix(cls.suffix)) == 1]
        needed = len(reserved) + len(alphabet)
        if needed > max_tokens:
            raise DataError(f"tokenize.max_tokens {max_tokens} cannot hold the "
                            f"{len(alphabet)} characters wordpiece spells words with (each "
                            f"alone and as a {cls.suffix}suffix) and {len(reserved)} reserved "
                            f"tokens: set it to at least {needed}, or leave it at auto")
        kept = set(reserved) | set(alphabet)
        pieces = [t for t in vocab if t not in kept]
        return reserved + alphabet + pieces[:max_tokens - needed]


def get_tokenizer(name: str, vocab: list[str] | None = None):
    """The tokenizer ``name``; one that ``needs_vocabulary`` splits into its vocabulary's
    pieces when ``vocab`` is given (into words, to learn them from, when not)."""
    cls = TOKENIZERS[name]
    return cls(vocab) if getattr(cls, "needs_vocabulary", False) else cls()
