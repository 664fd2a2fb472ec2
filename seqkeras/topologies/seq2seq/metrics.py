"""Translation quality with sacrebleu: corpus BLEU and chrF against one reference per
pair and against every reference of a source sentence, and exact match.

Tatoeba often has several translations of one English sentence; scoring each distinct
source once against all of them is the usual multi-reference BLEU.
"""

from __future__ import annotations

import numpy as np


def translation_scores(sources, hyps, refs, sacrebleu) -> dict:
    """Corpus BLEU and chrF (sacrebleu defaults) and exact match.

    ``bleu``/``chrf`` score every pair against its one reference. Tatoeba often has several
    translations of one English sentence; ``bleu_multi_ref``/``chrf_multi_ref`` score each
    distinct source once against all of them (the usual multi-reference BLEU), and
    ``exact_match_any`` counts a hypothesis equal to any of them."""
    if not hyps:
        return {"bleu": 0.0, "chrf": 0.0, "exact_match": 0.0, "exact_match_any": 0.0,
                "bleu_multi_ref": 0.0, "chrf_multi_ref": 0.0}
    by_source: dict[str, dict] = {}
    for s, h, r in zip(sources, hyps, refs):
        by_source.setdefault(s, {"hyp": h, "refs": {}})["refs"][r] = None  # ordered set
    multi_hyps, multi_refs = multi_reference_streams(by_source)
    return {
        "bleu": float(sacrebleu.corpus_bleu(hyps, [refs]).score),
        "chrf": float(sacrebleu.corpus_chrf(hyps, [refs]).score),
        "bleu_multi_ref": float(sacrebleu.corpus_bleu(multi_hyps, multi_refs).score),
        "chrf_multi_ref": float(sacrebleu.corpus_chrf(multi_hyps, multi_refs).score),
        "exact_match": float(np.mean([h == r for h, r in zip(hyps, refs)])),
        "exact_match_any": float(np.mean([h in by_source[s]["refs"]
                                          for s, h in zip(sources, hyps)])),
    }


def multi_reference_streams(by_source: dict) -> tuple[list, list]:
    """{source: {hyp, refs}} -> sacrebleu's (hyps, reference streams); a source with fewer
    references than the most has None in the streams it lacks (sacrebleu skips those)."""
    hyps = [v["hyp"] for v in by_source.values()]
    ref_lists = [list(v["refs"]) for v in by_source.values()]
    width = max(len(r) for r in ref_lists)
    streams = [[r[i] if i < len(r) else None for r in ref_lists] for i in range(width)]
    return hyps, streams
