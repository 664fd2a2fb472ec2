"""Raw sentences -> tokens, in the graph, the way CoNLL-2003 was tokenized.

The export answers raw text, so the tokenizer must run inside the SavedModel using only
ops TF Serving links (core TF and tensorflow-text's regex_split, whitespace tokenizer and
normalize ops). RE2 has no look-ahead, so the CoNLL conventions (clitics split off,
numbers and abbreviations kept whole) are written as an ordered alternation of token
patterns plus a few rewrites before splitting.
"""

from __future__ import annotations

import re

import tensorflow as tf
import tensorflow_text as tf_text

from seqkeras.errors import DataError
from seqkeras.text.encoder import truncate

#: A word character in every script: RE2's ``\w`` is ASCII only, which split "Müller" into
#: M ü ller; letters, digits and combining marks of any script (and ``_``) instead.
W = r"[\p{L}\p{N}\p{M}_]"
#: Tokens a CoNLL-style tokenizer keeps whole, tried in this order at each position
#: (RE2 has no look-ahead: a pattern may swallow the following space, which is stripped).
_TOKEN_PATTERNS = (
    r"(?i:n't|'s|'re|'ve|'ll|'m|'d)\b",    # clitics split off by the rewrites below
    r"\p{L}\.(?:\p{L}\.)+",                # U.S. U.N. a.m. F.C.
    None,                                  # abbreviations learned from the training split
    r"\p{Lu}{1,3}\$",                      # US$ C$ HK$
    # 1,000 6-4 1996-08-22 1/2 +44 61st 10-year-old 1990s, and "1." of a list (see below)
    rf"[+-]?\d+(?:[.,:/]\d+)*(?:[-/]?{W}+)*\x{{E000}}?",
    r"\.\d+",                              # .500
    rf"{W}+(?:[-'&.]{W}+)*",                # words, one-day, O'Brien, S&P, Müller, São
    r"-{2,}|\.{2,}|\*{2,}|={2,}|_{2,}",    # -- ... ***
    r"\S",                                 # any other character on its own
)
#: A list number opening the text keeps its full stop ("1. Stefan Edberg"): RE2 has no
#: look-ahead, so the stop is marked with a private-use character before splitting and
#: restored afterwards (``^`` cannot go into the split pattern: it is matched afresh
#: after every token).
_LIST_STOP = "\ue000"
_REWRITES = (
    (r"^(\s*\d{1,3})\.(\s|$)", r"\1" + _LIST_STOP + r"\2"),
    (rf"(?i)({W})(n't)\b", r"\1 \2"),                  # don't -> do n't
    (rf"(?i)({W})('s|'re|'ve|'ll|'m|'d)\b", r"\1 \2"), # Germany's -> Germany 's
)
#: A learned abbreviation: a short word with a full stop kept by the CoNLL tokenization.
_ABBREVIATION = re.compile(r"^[A-Za-z]{1,5}\.$")


def learn_abbreviations(token_counts) -> list[str]:
    """The abbreviations the tokenizer keeps whole: tokens (str -> count, e.g. a
    ``collections.Counter`` of the training tokens) seen at least twice that are a short
    word and a full stop ("Mr.", "Corp."), sorted."""
    return sorted(t for t, n in token_counts.items() if n >= 2 and _ABBREVIATION.match(t))


class SentenceTokenizer:
    """Raw sentences -> ragged token strings, in-graph (core TF + tensorflow-text
    regex_split / whitespace_tokenizer / normalize, all linked by TF Serving).

    ``word`` level follows CoNLL-2003's tokenization: punctuation marks split off,
    clitics split ("Germany's" -> Germany 's, "don't" -> do n't), but numbers with
    separators (1,000 6-4 1996-08-22), dotted abbreviations (U.S., and the short
    "Mr."-like ones seen in the training data), currencies (US$), hyphenated and
    apostrophe words (one-day, O'Brien) kept whole. ``whitespace`` splits on spaces only.

    ``config``: the ``tokenize`` section (level, unicode_normalization, max_length,
    truncate); ``abbreviations``: from :func:`learn_abbreviations`. Calling it on string
    text ``[B]`` gives token strings, a ``tf.RaggedTensor`` ``[B, (tokens)]`` cut to
    ``max_length``. Raises DataError for ``level: char``.
    """

    def __init__(self, config, abbreviations: list[str]):
        from seqkeras.spec.auto import fixed

        self.config = fixed(config)  # the stages pass it resolved; auto here: fixed defaults
        if config.level == "char":
            raise DataError("many_to_many tags words: tokenize.level must be 'word' or "
                            "'whitespace', not 'char'")
        self.abbreviations = list(abbreviations)
        patterns = []
        for p in _TOKEN_PATTERNS:
            if p is None:
                if self.abbreviations:
                    alts = "|".join(re.escape(a[:-1]) for a in self.abbreviations)
                    patterns.append(rf"\b(?:{alts})\.")
                continue
            patterns.append(p)
        self.pattern = "|".join([r"\s+"] + patterns)
        self._whitespace = tf_text.WhitespaceTokenizer()

    def split(self, text: tf.Tensor) -> tf.RaggedTensor:
        """String text ``[B]`` -> ragged token strings ``[B, (tokens)]``, not truncated.
        Control characters (NUL included) split like spaces: tensorflow-text's splitters
        read a NUL as the end of the text and dropped every word after it."""
        text = tf.strings.regex_replace(normalize_tokens(self.config, text),
                                        r"[\x00-\x1f\x7f]", " ")
        if self.config.level == "whitespace":
            return self._whitespace.tokenize(text)
        for pattern, rewrite in _REWRITES:
            text = tf.strings.regex_replace(text, pattern, rewrite)
        pieces = tf_text.regex_split(text, self.pattern, r"(?s).*\S.*")
        return tf.ragged.map_flat_values(
            lambda t: tf.strings.regex_replace(tf.strings.strip(t), _LIST_STOP, "."), pieces)

    def __call__(self, text: tf.Tensor) -> tf.RaggedTensor:
        return truncate(self.split(text), self.config.max_length, self.config.truncate)


def normalize_tokens(config, tokens):
    """Unicode normalization (tokenize.unicode_normalization) of string tokens of any
    shape (ragged included); the same shape back."""
    form = config.unicode_normalization
    return tokens if form == "none" else tf_text.normalize_utf8(tokens, form)


def word_key(config, tokens):
    """What the word vocabulary is keyed by: the normalized token, case-folded when
    tokenize.lowercase, then rewritten by tokenize.replace (e.g. digits -> 0). String
    tokens of any shape in, the same shape out."""
    if config.lowercase:
        tokens = tf_text.case_fold_utf8(tokens)
    for r in config.replace:
        tokens = tf.strings.regex_replace(tokens, r.pattern, r.rewrite)
    return tokens


def detokenize(tokens: list[str]) -> str:
    """Tokens back to plausible running text (for measuring the in-graph tokenizer):
    ``["Germany", "'s", "view", "."]`` -> ``"Germany's view."``."""
    text = " ".join(tokens)
    text = re.sub(r" ([.,;:!?)\]}%])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    return re.sub(r"(?i) (n't|'s|'re|'ve|'ll|'m|'d)\b", r"\1", text)


def tokenizer_agreement(config, abbreviations: list[str], records: list[dict]) -> dict:
    """Share of sentences (``{"tokens": [...]}`` records) the in-graph tokenizer splits
    into exactly the data's tokens, from the space-joined tokens (``retokenized_exact``)
    and from a detokenized running text (``detokenized_exact``); floats in [0, 1], ``{}``
    for no records."""
    if not records:
        return {}
    tokenizer = SentenceTokenizer(config.model_copy(update={"max_length": None}),
                                  abbreviations)
    out = {}
    for name, texts in (("retokenized_exact", [" ".join(r["tokens"]) for r in records]),
                        ("detokenized_exact", [detokenize(r["tokens"]) for r in records])):
        got = tokenizer(tf.constant(texts)).to_list()
        same = sum([t.decode() for t in g] == r["tokens"] for g, r in zip(got, records))
        out[name] = same / len(records)
    return out
