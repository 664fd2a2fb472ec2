"""Word and character error rates with jiwer (a maintained implementation of the
Levenshtein alignment speech recognition is scored by)."""

from __future__ import annotations

import jiwer


def error_rates(references: list[str], hypotheses: list[str]) -> dict:
    """Corpus WER and CER (errors over reference words / characters, in [0, inf)), the
    substitution / deletion / insertion counts of the words, and the share of
    sequences transcribed exactly (``sentence_accuracy``). Empty lists give zeros."""
    if not references:
        return {"wer": 0.0, "cer": 0.0, "sentence_accuracy": 0.0}
    words = jiwer.process_words(references, hypotheses)
    chars = jiwer.process_characters(references, hypotheses)
    return {"wer": float(words.wer), "cer": float(chars.cer),
            "word_substitutions": int(words.substitutions),
            "word_deletions": int(words.deletions), "word_insertions": int(words.insertions),
            "sentence_accuracy": sum(r == h for r, h in zip(references, hypotheses))
            / len(references)}
