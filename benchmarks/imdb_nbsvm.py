"""What a linear model alone reaches on IMDB with the n-gram branch's features
(RESULTS.md, section *imdb_905*): binary word 1-2-grams, with and without naive-Bayes
log-count ratios (NBSVM: Wang & Manning 2012), and the branch's two normalizations.

    python -m benchmarks.imdb_nbsvm [--data ../shared/data/imdb/imdb_50k.csv.gz]

scikit-learn CountVectorizer + liblinear LogisticRegression, C chosen on val, the
shipped train / val / test splits; prints one line per feature set. About 5 minutes on
2 cores. A check of the numbers, not part of `make bench`.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re

import numpy as np


def main(argv=None) -> int:
    from scipy.sparse import diags
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    p = argparse.ArgumentParser(prog="python -m benchmarks.imdb_nbsvm", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="../shared/data/imdb/imdb_50k.csv.gz")
    args = p.parse_args(argv)
    with gzip.open(args.data, "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    splits = ("train", "val", "test")
    text = {s: [re.sub(r"<br\s*/?>", " ", r["text"].lower()) for r in rows if r["split"] == s]
            for s in splits}
    y = {s: np.array([r["label"] == "pos" for r in rows if r["split"] == s], int)
         for s in splits}
    vec = CountVectorizer(token_pattern=r"\w+|[^\w\s]", ngram_range=(1, 2), binary=True)
    x = {"train": vec.fit_transform(text["train"])}
    x.update({s: vec.transform(text[s]) for s in ("val", "test")})
    pos = 1 + x["train"][y["train"] == 1].sum(0).A1
    neg = 1 + x["train"][y["train"] == 0].sum(0).A1
    ratio = diags(np.log((pos / pos.sum()) / (neg / neg.sum())))

    def sqrt_norm(m):
        return diags(1 / np.sqrt(np.maximum(m.sum(1).A1, 1))) @ m

    features = {
        "binary 1-2-grams": (lambda m: m, (0.03, 0.1, 0.3, 1, 3, 10, 30)),
        "x NB ratios": (lambda m: m @ ratio, (0.03, 0.1, 0.3, 1, 3, 10, 30)),
        "x NB ratios, mean": (lambda m: normalize(m, "l1") @ ratio, (10, 30, 100, 300, 1000)),
        "x NB ratios, sqrt": (lambda m: sqrt_norm(m) @ ratio, (10, 30, 100, 300, 1000)),
    }
    for name, (f, grid) in features.items():
        best = None
        for c in grid:
            model = LogisticRegression(C=c, max_iter=3000, solver="liblinear")
            model.fit(f(x["train"]), y["train"])
            val = model.score(f(x["val"]), y["val"])
            if best is None or val > best[0]:
                best = (val, c, model)
        val, c, model = best
        print(f"{name}: C {c}, val {val:.4f}, test {model.score(f(x['test']), y['test']):.4f}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
