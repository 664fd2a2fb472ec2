"""The tagging baselines and the raw-text alignment, on real CoNLL-2003 sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies.many_to_many.baseline import most_frequent_tag, tagging_baseline
from seqkeras.topologies.many_to_many.raw_text import align_tags

DATA = Path("../shared/data/conll2003")


def read_conll(path: Path, limit: int) -> list[dict]:
    out, tokens, tags = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if tokens:
                out.append({"tokens": tokens, "tags": tags})
                tokens, tags = [], []
                if len(out) >= limit:
                    break
            continue
        tokens.append(parts[0])
        tags.append(parts[-1])
    return out


def spec(**baseline) -> PipelineSpec:
    return PipelineSpec.model_validate({
        "name": "t", "topology": "many_to_many",
        "data": {"sources": [{"path": "x.txt", "format": "conll", "label_field": -1}]},
        "baseline": baseline})


def test_most_frequent_tag_per_word():
    exact, lower, top = most_frequent_tag([{"tokens": ["Paris", "paris", "Paris", "is"],
                                            "tags": ["B-LOC", "O", "B-LOC", "O"]}])
    assert exact["Paris"] == "B-LOC" and top in ("B-LOC", "O") and lower["paris"] == "B-LOC"


@pytest.mark.skipif(not DATA.exists(), reason="needs ../shared/data")
@pytest.mark.parametrize("crf", [False, True])
def test_baselines_on_real_sentences(crf):
    train = read_conll(DATA / "train.txt", 600)
    test = read_conll(DATA / "test.txt", 200)
    result = tagging_baseline(spec(crf=crf, max_train_records=600), train, [], test)
    scores = {(s.prefix, s.metric): s.value for s in result.scores}
    # the floor: every token O (about 0.83 of tokens), no entity at all
    assert 0.7 < scores[("majority", "token_accuracy")] < 0.9
    assert 0.2 < scores[("baseline", "entity_f1")] < 0.95
    if crf:  # the CRF generalizes past the words it saw: above the word-tag baseline
        assert scores[("baseline", "entity_f1")] > scores[("word_tag", "entity_f1")]
        assert "CRF" in result.description
    off = tagging_baseline(spec(enabled=False), train, [], test)
    assert [s.prefix for s in off.scores] == ["majority"]


def test_served_tags_align_back_to_the_corpus_tokens():
    gold = ["Müller", "lives", "in", "New", "York-based", "firm"]
    # the served tokenizer split York-based, and merged nothing
    served = ["Müller", "lives", "in", "New", "York", "-", "based", "firm"]
    tags = ["B-PER", "O", "O", "B-LOC", "I-LOC", "O", "O", "O"]
    assert align_tags(gold, served, tags) == ["B-PER", "O", "O", "B-LOC", "I-LOC", "O"]
    # a served token spanning two corpus tokens lends its type to the second as I-
    assert align_tags(["New", "York"], ["New York"], ["B-LOC"]) == ["B-LOC", "I-LOC"]
    # a corpus token the served tokenizer never produced is O
    assert align_tags(["a", "b"], ["a"], ["B-X"]) == ["B-X", "O"]


def test_a_part_of_speech_baseline_is_scored_over_tokens():
    """POS tags carry no chunk prefix: the word-tag baseline's F1 is its token accuracy
    (no tag is O), not conlleval's runs of equal tags."""
    def pos(records):   # the POS column (1) in place of the NER tags
        return [{"tokens": r["tokens"], "tags": r["pos"]} for r in records]
    rows = []
    for line in (DATA / "train.txt").read_text(encoding="utf-8").splitlines()[:6000]:
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if not rows or rows[-1]["tokens"]:
                rows.append({"tokens": [], "pos": []})
            continue
        rows[-1]["tokens"].append(parts[0])
        rows[-1]["pos"].append(parts[1])
    records = pos([r for r in rows if r["tokens"]])
    train, test = records[:300], records[300:400]
    result = tagging_baseline(spec(crf=False), train, [], test)
    f1 = result.metrics["word_tag_test_entity_f1"]
    [accuracy] = [s.value for s in result.scores
                  if s.metric == "token_accuracy" and s.prefix != "majority"]
    assert 0.5 < f1 == pytest.approx(accuracy)
