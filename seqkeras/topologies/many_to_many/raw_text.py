"""Scoring the tagger the way it is served: raw text -> in-graph tokenizer -> tags ->
aligned back to the corpus's own tokens.

The test split is tagged from the corpus's tokens (``from_tokens``); a user sends raw
text (``serving_default``), which the in-graph tokenizer splits. Where that tokenizer
does not reproduce the corpus's tokenization (tweets: 0.2 of sentences), the served
figure is lower. Each sentence is sent as its tokens joined by spaces; every corpus
token gets the tag of the first served token that starts inside it (a served token
that spans several corpus tokens lends its type to all of them, I- after the first),
and conlleval's entity F1 is computed against the gold tags.
"""

from __future__ import annotations

import unicodedata

import tensorflow as tf

from seqkeras.topologies.many_to_many.metrics import split_tag

#: Sentences sent to the served function per call.
BATCH = 256


def spans(pieces: list[str], text: str) -> list[tuple[int, int] | None]:
    """Character spans ``(start, end)`` of each piece found in ``text`` left to right
    (None for a piece not found after the previous one)."""
    out, cursor = [], 0
    for p in pieces:
        at = text.find(p, cursor) if p else -1
        if at < 0:
            out.append(None)
            continue
        out.append((at, at + len(p)))
        cursor = at + len(p)
    return out


def align_tags(gold_tokens: list[str], served_tokens: list[str], served_tags: list[str],
               form: str = "NFKC") -> list[str]:
    """Tags of ``gold_tokens`` from the served tokenization of the same sentence (the
    gold tokens joined by single spaces, ``form``-normalized as the tokenizer does):
    each gold token takes the tag of the first served token starting inside it, "O"
    when none does; a served token over several gold tokens gives the later ones its
    type as I-."""
    norm = (lambda s: unicodedata.normalize(form, s)) if form != "none" else (lambda s: s)
    gold = [norm(t) for t in gold_tokens]
    text = " ".join(gold)
    gold_spans = spans(gold, text)
    served = spans([norm(t) for t in served_tokens], text)
    out = []
    for g in gold_spans:
        tag = "O"
        if g is not None:
            for s, t in zip(served, served_tags):
                if s is None:
                    continue
                if g[0] <= s[0] < g[1]:  # a served token starts inside this gold token
                    tag = t
                    break
                if s[0] < g[0] < s[1]:  # the served token that covers it started earlier
                    _, kind = split_tag(t)
                    tag = f"I-{kind}" if kind else "O"
                    break
        out.append(tag)
    return out


def served_tags(serve_text, spec, records) -> list[list[str]]:
    """Tags for each record's tokens through the served raw-text function
    (``serve_text(text [B]) -> {tokens, tags, lengths}``), aligned to the record's own
    tokens (:func:`align_tags`)."""
    fn = tf.function(serve_text, input_signature=[tf.TensorSpec([None], tf.string)],
                     autograph=False)
    form = spec.tokenize.unicode_normalization
    out = []
    for i in range(0, len(records), BATCH):
        chunk = records[i:i + BATCH]
        result = fn(tf.constant([" ".join(r["tokens"]) for r in chunk]))
        tokens, tags, lengths = (result[k].numpy() for k in ("tokens", "tags", "lengths"))
        for r, tok, tag, n in zip(chunk, tokens, tags, lengths):
            out.append(align_tags(r["tokens"], [t.decode("utf-8", "replace") for t in tok[:n]],
                                  [t.decode("utf-8") for t in tag[:n]], form))
    return out
