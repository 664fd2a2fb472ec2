"""Statistics of the training split that ``auto`` settings are chosen from.

Counted with the same in-graph normalizer and tokenizer the vocabulary is learned with
(``seqkeras.text.encoder``), so a length here is the length the model would see before
any cut. The rules that read them are in ``seqkeras.spec.auto`` (TensorFlow-free).
"""

from __future__ import annotations

import collections
from typing import Iterable

from seqkeras.spec.auto import Facts, TextFacts, auto_text
from seqkeras.text.encoder import token_counts

#: The minimum frequencies whose distinct-token counts are kept.
FREQUENCIES = (1, 2, 3, 5)


def summarize(counts: collections.Counter, lengths: collections.Counter) -> TextFacts:
    """TextFacts from token counts and a histogram of sequence lengths."""
    distinct = {k: sum(1 for n in counts.values() if n >= k) for k in FREQUENCIES}
    characters = set()
    for token in counts:
        characters.update(token.decode("utf-8", "replace") if isinstance(token, bytes)
                          else token)
    return TextFacts(tokens=int(sum(counts.values())), distinct=distinct,
                     lengths={int(k): int(v) for k, v in lengths.items()},
                     characters=len(characters))


def text_facts(config, texts: Iterable[str], batch_size: int = 512) -> TextFacts:
    """Token counts and lengths of raw ``texts`` split as ``config`` (a TokenizeSpec)
    says (wordpiece: words, the units its pieces are learned from)."""
    return summarize(*token_counts(config, texts, batch_size))


def token_facts(config, sequences: Iterable[list[str]]) -> TextFacts:
    """Token counts (lowercased when ``config.lowercase``) and lengths of sequences
    that are already split into tokens (tagging corpora)."""
    counts: collections.Counter = collections.Counter()
    lengths: collections.Counter = collections.Counter()
    for tokens in sequences:
        lengths[len(tokens)] += 1
        counts.update(t.lower() for t in tokens) if config.lowercase else counts.update(tokens)
    return summarize(counts, lengths)


def measure(spec, train_records: list[dict]) -> Facts:
    """The statistics ``spec``'s topology declares (``AUTO_TEXT``, ``AUTO_RECORDS``)."""
    facts = Facts(train_records=len(train_records) if spec.AUTO_RECORDS else None)
    for section, field in auto_text(spec).items():
        config = getattr(spec, section, None)
        if config is None:
            continue
        values = [r.get(field) for r in train_records if r.get(field) is not None]
        if values and isinstance(values[0], list):
            facts.text[section] = token_facts(config, values)
        else:
            facts.text[section] = text_facts(config, values)
    return facts
