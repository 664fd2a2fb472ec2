"""The classification baseline: TF-IDF word 1-2-grams and character 1-4-grams (within
word boundaries) -> logistic regression, C chosen on val (scikit-learn).

On short texts and small data this bag-of-n-grams model is hard to beat (Wang & Manning
2012, "Baselines and Bigrams"); on IMDB a bigram linear model reaches about 0.90. The
always-the-majority-class answer is the floor below it. Test labels never seen in
training count as errors for both, as they do for the model.

Cost: at most ``baseline.max_train_records`` training and ``max_val_records`` validation
texts (seeded samples); word n-grams read the first ``MAX_CHARS`` characters of a text,
character n-grams the first ``CHAR_CHARS`` (they matter for short texts and would
dominate the cost of long ones); at most ``MAX_FEATURES`` n-grams per vectorizer; four
fits (one per C). SMS spam (4.5k texts): about 30 s on a busy 2-core machine.
"""

from __future__ import annotations

import collections
import re

import numpy as np

from seqkeras.baselines import BaselineResult, BaselineScore
from seqkeras.baselines.caps import capped
from seqkeras.baselines.linear import logistic_regression
from seqkeras.topologies.many_to_one.metrics import classification_report

#: Characters of each text the word and the character n-grams read.
MAX_CHARS, CHAR_CHARS = 10_000, 1000
#: Most n-grams each vectorizer keeps (the most frequent ones).
MAX_FEATURES = 300_000
UNSEEN = "[unseen in training]"
HINT = ("more epochs or units, tokenize.level char for short texts, model.pooling max, "
        "or a larger tokenize.max_tokens")


def _preprocess(spec, limit: int):
    """The text as the model's tokenizer sees it before splitting: the YAML's
    ``tokenize.replace`` rewrites (those Python's ``re`` reads the same) and
    lowercasing."""
    rewrites = []
    for r in spec.tokenize.replace:
        try:
            rewrites.append((re.compile(r.pattern), re.sub(r"\\(\d)", r"\\\1", r.rewrite)))
        except re.error:
            continue

    def prep(text: str) -> str:
        text = text[:limit]
        for pattern, rewrite in rewrites:
            text = pattern.sub(rewrite, text)
        return text.lower() if spec.tokenize.lowercase else text
    return prep


def scored_ids(labels: list[str], records) -> tuple[np.ndarray, list[str]]:
    """True class ids ``[N]`` of ``records`` over ``labels``, a label unseen in training
    mapped to an extra class (named ``UNSEEN``, added to the returned names only when
    present) that no prediction can match: such records count as errors."""
    index = {x: i for i, x in enumerate(labels)}
    ids = np.array([index.get(r.get("label"), len(labels)) for r in records], np.int64)
    names = labels + ([UNSEEN] if (ids == len(labels)).any() else [])
    return ids, names


def classification_baseline(spec, labels: list[str], train, val, test) -> BaselineResult:
    """Majority class always; TF-IDF n-grams + logistic regression when
    ``spec.baseline.enabled``. ``labels``: the training labels in class-id order."""
    counts = collections.Counter(r["label"] for r in train if "label" in r)
    majority = counts.most_common(1)[0][0]
    y_test, names = scored_ids(labels, test)
    major_acc = float(np.mean(y_test == labels.index(majority))) if len(test) else 0.0
    scores = [BaselineScore("accuracy", major_acc, "max",
                            f"always answering the majority class {majority!r}", "majority",
                            "more epochs, a higher train.learning_rate, or class-balanced data",
                            strict=True)]
    if not spec.baseline.enabled:
        return BaselineResult(scores, {}, "majority class only (baseline.enabled: false)")
    if getattr(spec, "input", None) is not None and spec.input.kind != "text":
        return BaselineResult(scores, {}, "majority class only (the n-gram baseline reads "
                                          f"text; input.kind is {spec.input.kind})")
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    b = spec.baseline
    index = {x: i for i, x in enumerate(labels)}
    train = capped([r for r in train if r.get("label") in index], b.max_train_records,
                   spec.seed)
    val = capped([r for r in val if r.get("label") in index], b.max_val_records, spec.seed)
    vectorizers = [
        TfidfVectorizer(preprocessor=_preprocess(spec, MAX_CHARS), ngram_range=(1, 2),
                        sublinear_tf=True, max_features=MAX_FEATURES,
                        token_pattern=r"(?u)\b\w+\b"),
        TfidfVectorizer(preprocessor=_preprocess(spec, CHAR_CHARS), analyzer="char_wb",
                        ngram_range=(1, 4),
                        sublinear_tf=True, max_features=MAX_FEATURES)]
    texts = [r["text"] for r in train]
    x_train = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()

    def features(records):
        return hstack([v.transform([r["text"] for r in records]) for v in vectorizers]).tocsr()

    y_train = np.array([index[r["label"]] for r in train])
    y_val = np.array([index[r["label"]] for r in val])
    model, chosen = logistic_regression(x_train, y_train, features(val) if val else x_train[:0],
                                        y_val)
    pred = model.predict(features(test)) if test else np.zeros(0, np.int64)
    report = classification_report(y_test, pred, names)
    name = (f"TF-IDF word 1-2-grams + char 1-4-grams, logistic regression "
            f"(C={chosen['C']:g} chosen on val)")
    scores = [BaselineScore("accuracy", report["accuracy"], "max", name, hint=HINT),
              BaselineScore("macro_f1", report["macro_f1"], "max", name, hint=HINT)] + scores
    return BaselineResult(scores, {
        "baseline_val_accuracy": chosen["val_score"], "baseline_C": chosen["C"],
        "baseline_train_records": len(train), "baseline_features": x_train.shape[1]}, name)
