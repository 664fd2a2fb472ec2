"""The tagging baselines: the most frequent tag of each word, and a linear-chain CRF on
word features (sklearn-crfsuite, Lafferty et al. 2001), both scored with conlleval's
entity F1 on the same test sentences as the model; the majority tag is the floor.

Most frequent tag: the word's most frequent training tag (as written, else lowercased),
the overall most frequent tag for unseen words. CRF: the classic feature set of the
sklearn-crfsuite tutorial (the word lowercased, its 2- and 3-character suffixes,
casing and digit flags, the same for the neighbouring words), L-BFGS with c1 = c2 = 0.1
and at most ``CRF_ITERATIONS`` iterations on at most ``baseline.max_train_records``
sentences (``baseline.crf: false`` skips it; so does a missing sklearn-crfsuite).
"""

from __future__ import annotations

import collections
import logging
import time

from seqkeras.baselines import BaselineResult, BaselineScore
from seqkeras.baselines.caps import capped
from seqkeras.topologies.many_to_many.metrics import entity_report, uses_chunk_tags

log = logging.getLogger("seqkeras")
CRF_ITERATIONS = 100
HINT = ("more epochs where the run was short (train.epochs: auto lets early stopping "
        "decide), leave model.crf, char_embedding_dim, casing_dim and word_dropout at auto "
        "(the NER recipe on words), more units, a longer early-stopping patience, or, where the "
        "run warned that the in-graph tokenizer splits the corpus differently, "
        "tokenize.level whitespace")


def most_frequent_tag(train) -> tuple:
    """(word -> tag, lowercased word -> tag, the overall most frequent tag) from the
    training sentences."""
    exact, lower = collections.defaultdict(collections.Counter), \
        collections.defaultdict(collections.Counter)
    overall = collections.Counter()
    for r in train:
        for token, tag in zip(r["tokens"], r["tags"]):
            exact[token][tag] += 1
            lower[token.lower()][tag] += 1
            overall[tag] += 1
    return ({w: c.most_common(1)[0][0] for w, c in exact.items()},
            {w: c.most_common(1)[0][0] for w, c in lower.items()},
            overall.most_common(1)[0][0])


def word_features(tokens: list[str], i: int) -> dict:
    """sklearn-crfsuite features of token ``i`` of a sentence (str -> str/bool)."""
    w = tokens[i]
    f = {"bias": 1.0, "w": w.lower(), "suf3": w[-3:], "suf2": w[-2:], "upper": w.isupper(),
         "title": w.istitle(), "digit": w.isdigit(), "len1": len(w) == 1}
    for offset, name in ((-1, "prev"), (1, "next")):
        j = i + offset
        if 0 <= j < len(tokens):
            o = tokens[j]
            f.update({f"{name}_w": o.lower(), f"{name}_title": o.istitle(),
                      f"{name}_upper": o.isupper()})
        else:
            f["BOS" if offset < 0 else "EOS"] = True
    return f


def sentence_features(tokens: list[str]) -> list[dict]:
    """Features of every token of a sentence (:func:`word_features`)."""
    return [word_features(tokens, i) for i in range(len(tokens))]


def tagging_baseline(spec, train, val, test) -> BaselineResult:
    """Majority tag (token accuracy) always; most frequent tag per word and (when
    ``baseline.crf`` and sklearn-crfsuite is installed) a CRF when
    ``spec.baseline.enabled``: entity F1 and token accuracy on ``test``."""
    gold = [r["tags"] for r in test]
    per_token = not uses_chunk_tags({t for r in train for t in r["tags"]})
    exact, lower, top = most_frequent_tag(train)
    flat = [t for tags in gold for t in tags]
    floor = sum(t == top for t in flat) / max(len(flat), 1)
    scores = [BaselineScore("token_accuracy", floor, "max", f"tagging every token {top!r}",
                            "majority", "more epochs or a higher train.learning_rate",
                            strict=True)]
    if not spec.baseline.enabled:
        return BaselineResult(scores, {}, "majority tag only (baseline.enabled: false)")
    started = time.monotonic()
    pred = [[exact.get(t) or lower.get(t.lower(), top) for t in r["tokens"]] for r in test]
    mft = entity_report(gold, pred, per_token)
    metrics = {"baseline_word_tag_seconds": time.monotonic() - started,
               "word_tag_test_entity_f1": mft["f1"]}
    name = "the most frequent tag of each word"
    best = ("word_tag", name, mft)
    crf = _crf(spec, train, test, per_token) if spec.baseline.crf else None
    if crf is not None:
        report, seconds, n = crf
        metrics.update(baseline_crf_seconds=seconds, baseline_train_records=n,
                       crf_test_entity_f1=report["f1"])
        best = ("crf", f"a CRF on word features (sklearn-crfsuite, {n:,} sentences)", report)
    _, best_name, report = best
    scores = [BaselineScore("entity_f1", report["f1"], "max", best_name, hint=HINT),
              BaselineScore("token_accuracy", report["token_accuracy"], "max", best_name,
                            hint=HINT)] + scores
    if crf is not None:  # the simpler baseline must be beaten too
        scores.append(BaselineScore("entity_f1", mft["f1"], "max", name, "word_tag", HINT))
    return BaselineResult(scores, metrics, best_name)


def _crf(spec, train, test, per_token: bool):
    try:
        import sklearn_crfsuite
    except ImportError:
        log.warning("baseline: sklearn-crfsuite is not installed; tagging is compared with "
                    "the most frequent tag per word only")
        return None
    started = time.monotonic()
    train = capped(train, spec.baseline.max_train_records, spec.seed)
    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.1, c2=0.1,
                               max_iterations=CRF_ITERATIONS, all_possible_transitions=True)
    crf.fit([sentence_features(r["tokens"]) for r in train], [r["tags"] for r in train])
    pred = crf.predict([sentence_features(r["tokens"]) for r in test])
    return (entity_report([r["tags"] for r in test], pred, per_token),
            time.monotonic() - started, len(train))
