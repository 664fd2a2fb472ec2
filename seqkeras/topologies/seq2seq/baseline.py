"""The translation floor: copy the source sentence as its translation, scored with the
same sacrebleu corpus BLEU and chrF against the same references as the model. Names,
numbers and cognates make it score above zero; a model below it has learned nothing
useful about the target language.
"""

from __future__ import annotations

from seqkeras.baselines import BaselineResult, BaselineScore

HINT = ("more epochs (train.epochs auto: early stopping on val chrF decides), "
        "model.attention bahdanau (the default) with model.head_layer_norm true (the "
        "default), or a larger data.max_records_per_split")


def copy_baseline(sources: list[str], refs: list[str]) -> BaselineResult:
    """BLEU and chrF of answering every source with itself (``refs``: one reference per
    source, normalized as the model's references are)."""
    import sacrebleu

    name = "copying the source sentence"
    bleu = float(sacrebleu.corpus_bleu(sources, [refs]).score) if sources else 0.0
    chrf = float(sacrebleu.corpus_chrf(sources, [refs]).score) if sources else 0.0
    return BaselineResult([BaselineScore("bleu", bleu, "max", name, hint=HINT),
                           BaselineScore("chrf", chrf, "max", name, hint=HINT)], {}, name)
