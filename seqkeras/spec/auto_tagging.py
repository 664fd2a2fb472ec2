"""``auto`` for a tagger's model: the word-level sequence-labelling recipe when the input
is words, the former defaults otherwise.

A tagger of words that learns its embeddings from the training split only needs what
the named-entity literature settled on (Lample et al. 2016, "Neural Architectures for
Named Entity Recognition"; Ma & Hovy 2016, "End-to-end Sequence Labeling via
Bi-directional LSTM-CNNs-CRF"): both contexts of a word (a bidirectional encoder), a
character encoding of the word as written (a width-3 CNN over 30-dimensional character
embeddings; 50 filters here), a casing feature, word dropout (training words replaced
by [UNK] so the model learns to tag words it has not seen) and a linear-chain CRF that
scores the tag sequence as a whole (valid BIO spans). Without them a short YAML lost to
a feature CRF by far (CoNLL-2003 NER 0.578 vs 0.791 entity F1); the measurements are in
``benchmarks/RESULTS.md`` ("Tagging defaults").

Ma & Hovy (2016) also put dropout 0.5 on the recurrent encoder's input (the word,
character and casing features together) and on its output, and trained on mini-batches
of 10 sentences; Reimers & Gurevych (2017, "Optimal Hyperparameters for Deep
LSTM-Networks for Sequence Labeling Tasks") found 8 to 32 sentences a batch best across
five tagging tasks. Without them the recipe overfitted within a few epochs at the shared
rule's ~100 steps an epoch (128 sentences a batch on CoNLL-2003): POS stayed below the
CRF and NER 0.04 F1 below the hand-set pipeline.

Measurement input (``input.kind`` numeric) has no words: there the settings keep the
values they had before ``auto`` (``seqkeras.spec.auto.FIXED``), and the token-only ones
stay ``auto`` (nothing reads them). ``ManyToManyPipeline.AUTO_MODEL_RULES`` registers
:data:`MODEL_RULES`, ``AUTO_TRAIN_RULES`` :data:`TRAIN_RULES`.
"""

from __future__ import annotations

from seqkeras.spec.auto import FIXED, FIXED_REASON, Choice, Facts
from seqkeras.spec.auto import TRAIN_RULES as SHARED_TRAIN_RULES

#: The word-level tagger (Lample et al. 2016; Ma & Hovy 2016).
WORD_TAGGER = {"bidirectional": True, "crf": True, "char_embedding_dim": 30,
               "char_encoder": "cnn", "casing_dim": 8, "word_dropout": 0.25,
               "embedding_dropout": 0.5, "head_dropout": 0.5}
#: The most sentences a batch for a word tagger (Reimers & Gurevych 2017: 8-32); smaller
#: training sets keep the shared rule's smaller batch.
WORD_TAGGER_BATCH = 32
#: ``char_units`` by character encoder: CNN filters, or units per direction (Lample et
#: al. 2016's 25 for a bidirectional LSTM).
CHAR_UNITS = {"cnn": 50, "lstm": 25, "gru": 25}
WORDS_REASON = "words (Lample et al. 2016; Ma & Hovy 2016)"


def _not_words(facts: Facts, spec):
    """Why the input is not words (None when it is)."""
    if facts.text.get("tokenize") is None:
        return f"{FIXED_REASON} (no text statistics)"
    if spec.tokenize.level == "char":
        return "characters, not words: the former default"
    return None


def _recipe(key: str):
    def rule(section, facts: Facts, name: str, spec) -> Choice:
        why = _not_words(facts, spec)
        return (FIXED[key], why) if why else (WORD_TAGGER[key], WORDS_REASON)
    rule.__name__ = f"_{key}"
    return rule


def _char_units(section, facts: Facts, name: str, spec) -> Choice:
    why = _not_words(facts, spec)
    if why:
        return FIXED["char_units"], why
    encoder = section.char_encoder
    what = "filters" if encoder == "cnn" else "units per direction"
    return CHAR_UNITS[encoder], f"char_encoder {encoder}: {what}"


#: Model key -> rule, in resolution order (char_units reads the resolved char_encoder).
MODEL_RULES = {key: _recipe(key) for key in ("bidirectional", "crf", "char_embedding_dim",
                                             "char_encoder")}
MODEL_RULES.update(char_units=_char_units, casing_dim=_recipe("casing_dim"),
                   word_dropout=_recipe("word_dropout"),
                   embedding_dropout=_recipe("embedding_dropout"),
                   head_dropout=_recipe("head_dropout"))


def _batch_size(section, facts: Facts, name: str, spec) -> Choice:
    value, reason = SHARED_TRAIN_RULES["batch_size"](section, facts, name, spec)
    if _not_words(facts, spec) or value <= WORD_TAGGER_BATCH:
        return value, reason
    return WORD_TAGGER_BATCH, (f"words: at most {WORD_TAGGER_BATCH} sentences a batch "
                               "(Reimers & Gurevych 2017; the shared rule gives "
                               f"{value})")


#: Train key -> rule, after the shared ones (``PipelineSpec.AUTO_TRAIN_RULES``).
TRAIN_RULES = {"batch_size": _batch_size}
