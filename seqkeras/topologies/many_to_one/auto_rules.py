"""``auto`` for the classifier's n-gram branch: the NBSVM recipe on long texts, the
jointly trained bag on short ones.

Wang & Manning (2012, "Baselines and Bigrams: Simple, Good Sentiment and Topic
Classification") found naive-Bayes features best on snippets and a linear classifier
over NB-weighted binary n-grams (NBSVM) best on full-length documents. The branch
follows that split by the mean length of the training texts, in tokens:

* long texts (at least :data:`LONG_TEXT_TOKENS`, words or word pieces): ``binary``
  n-grams weighted by their NB log-count ratios (``nb_weighting``), summed over
  ``sqrt`` of their count, fitted first as a logistic regression and frozen
  (``prefit``), with the recurrent head also supervised alone
  (``head_aux_loss_weight`` 1): the untuned IMDB YAML went from 0.8899 (below its
  TF-IDF baseline's 0.8946) to 0.9014 test accuracy;
* short texts and characters: the bag trained with the network (fastText), the recipe
  the short dev sets were measured with; on them the NBSVM recipe lost (quickstart names
  0.8449 -> 0.8240, subjectivity 0.9383 -> 0.9275; benchmarks/RESULTS.md, *imdb_905*).

``ManyToOnePipeline.AUTO_MODEL_RULES`` registers :data:`MODEL_RULES`; a value written in
the YAML is never replaced.
"""

from __future__ import annotations

from seqkeras.spec.auto import FIXED, FIXED_REASON, Choice, Facts

#: Mean training-text length (tokens) from which the NBSVM recipe is chosen: Wang &
#: Manning's snippets average 20-25 words, their full-length reviews 230-790.
LONG_TEXT_TOKENS = 100
#: The NBSVM recipe's settings (``model.`` keys).
NBSVM = {"ngram_branch.binary": True, "ngram_branch.nb_weighting": True,
         "ngram_branch.normalize": "sqrt", "ngram_branch.prefit": True,
         "ngram_branch.head_aux_loss_weight": 1.0}


def mean_length(lengths: dict[int, int]) -> float:
    """Mean of a length -> count histogram (0.0 when empty)."""
    n = sum(lengths.values())
    return sum(k * v for k, v in lengths.items()) / n if n else 0.0


def _long_texts(facts: Facts, spec) -> tuple[bool, str]:
    """(whether the NBSVM recipe applies, why)."""
    text = facts.text.get("tokenize")
    if text is None or not text.lengths:
        return False, f"{FIXED_REASON} (no text statistics)"
    if spec.model.branch(spec.input.kind) is None:
        # a fixed default: validate refuses these keys set on a branch that is off, so
        # resolve leaves them at auto (nothing reads them)
        return False, f"{FIXED_REASON} (no n-gram branch)"
    if spec.tokenize.level == "char":
        return False, "characters: the bag trained with the network"
    mean = mean_length(text.lengths)
    if mean >= LONG_TEXT_TOKENS:
        return True, (f"training texts of {mean:.0f} tokens on average >= "
                      f"{LONG_TEXT_TOKENS}: NBSVM, fitted first (Wang & Manning 2012)")
    return False, (f"training texts of {mean:.0f} tokens on average < {LONG_TEXT_TOKENS}: "
                   "the bag trained with the network")


def _recipe(key: str):
    def rule(section, facts: Facts, name: str, spec) -> Choice:
        long, why = _long_texts(facts, spec)
        return (NBSVM[key] if long else FIXED[key]), why
    rule.__name__ = "_" + key.replace(".", "_")
    return rule


#: Model key (dotted into ``ngram_branch``) -> rule.
MODEL_RULES = {key: _recipe(key) for key in NBSVM}
