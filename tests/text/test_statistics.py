"""seqkeras.text.statistics: what ``auto`` settings are chosen from, counted with the
in-graph normalizer and tokenizer."""

from __future__ import annotations

from seqkeras.spec import PipelineSpec, TokenizeSpec
from seqkeras.text.statistics import measure, text_facts, token_facts


def test_text_facts_count_normalized_tokens_and_lengths():
    facts = text_facts(TokenizeSpec(), ["The cat sat.", "the CAT", "a dog"])
    # word level, lowercased: the cat sat . | the cat | a dog
    assert facts.tokens == 8
    assert facts.distinct[1] == 6 and facts.distinct[2] == 2 and facts.distinct[3] == 0
    assert facts.lengths == {4: 1, 2: 2}


def test_char_facts_and_pre_split_tokens():
    facts = text_facts(TokenizeSpec(level="char", lowercase=False), ["abA", "b"])
    assert facts.tokens == 4 and facts.distinct[1] == 3 and facts.lengths == {3: 1, 1: 1}
    tagged = token_facts(TokenizeSpec(), [["EU", "rejects", "German"], ["eu"]])
    assert tagged.distinct[2] == 1 and tagged.lengths == {3: 1, 1: 1}
    kept = token_facts(TokenizeSpec(lowercase=False), [["EU"], ["eu"]])
    assert kept.distinct[2] == 0


def test_measure_follows_the_topology_declaration():
    records = [{"text": "a b c", "label": "x"}, {"text": "a b", "label": "y"}]
    spec = PipelineSpec.model_validate({"name": "p", "data": {"sources": [{"path": "x"}]}})
    facts = measure(spec, records)
    assert facts.train_records == 2 and facts.text["tokenize"].lengths == {3: 1, 2: 1}
    numeric = PipelineSpec.model_validate({"name": "p", "data": {"sources": [{"path": "x"}]},
                                           "input": {"kind": "numeric"}})
    facts = measure(numeric, [{"sequence": [[1.0]], "label": "x"}])
    assert facts.train_records == 1 and facts.text == {}  # measurements are not tokenized
    forecast = PipelineSpec.model_validate({
        "name": "p", "topology": "sequence_prediction",
        "data": {"sources": [{"path": "x"}], "series": {"time": "t", "targets": ["y"]}}})
    assert measure(forecast, [{"t": 1, "y": 2.0}]).train_records is None


def test_facts_count_the_distinct_characters_of_the_tokens():
    # wordpiece must spell every character alone and as a ##suffix: max_tokens auto
    # reads this count
    facts = text_facts(TokenizeSpec(level="wordpiece", lowercase=False), ["ab ba", "ca"])
    assert facts.characters == 4      # a, b, c and the word-start mark
    assert text_facts(TokenizeSpec(), ["aa b"]).characters == 2
    assert token_facts(TokenizeSpec(), [["Ab", "c"]]).characters == 3
