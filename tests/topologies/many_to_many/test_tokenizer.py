"""seqkeras.topologies.many_to_many.tokenizer: raw sentences split the way CoNLL-2003 was
tokenized, in-graph; learned abbreviations; detokenization."""

from __future__ import annotations

import collections

import pytest
import tensorflow as tf

from seqkeras.errors import DataError
from seqkeras.spec import TokenizeSpec
from seqkeras.topologies.many_to_many.tokenizer import (SentenceTokenizer, detokenize,
                                                       learn_abbreviations)
from tests.topologies.many_to_many.test_topology import RECORDS, make_spec


@pytest.mark.parametrize("text, tokens", [
    ("Germany's U.S. envoy don't like it.", ["Germany", "'s", "U.S.", "envoy", "do", "n't",
                                             "like", "it", "."]),
    ("1. Stefan Edberg (Sweden) 6-4 7-5", ["1.", "Stefan", "Edberg", "(", "Sweden", ")", "6-4",
                                           "7-5"]),
    ("He won 2. Then 1,000 US$ went -- on 1996-08-22, a 10-year-old's 61st",
     ["He", "won", "2", ".", "Then", "1,000", "US$", "went", "--", "on", "1996-08-22", ",", "a",
      "10-year-old", "'s", "61st"]),
    ("Mr. O'Brien of S&P, a one-day ... trip!", ["Mr.", "O'Brien", "of", "S&P", ",", "a",
                                                  "one-day", "...", "trip", "!"]),
    ("", []),
    ("   ", []),
    # every script: RE2's \w is ASCII, which split Müller into M ü ller (issue 11)
    ("Müller fährt nach Zürich .", ["Müller", "fährt", "nach", "Zürich", "."]),
    ("São Paulo é a maior cidade do Brasil.", ["São", "Paulo", "é", "a", "maior", "cidade",
                                               "do", "Brasil", "."]),
    ("Köln-Süd's Straße, naïve café", ["Köln-Süd", "'s", "Straße", ",", "naïve", "café"]),
    ("Moskva Москва 東京", ["Moskva", "Москва", "東京"]),
    # a NUL ended the text for tensorflow-text's splitter: the words after it were dropped
    ("EU rejects\0German call .", ["EU", "rejects", "German", "call", "."]),
    ("\0Peter\x07Blackburn\x7f", ["Peter", "Blackburn"]),
])
def test_sentence_tokenizer_follows_conll(text, tokens):
    tokenizer = SentenceTokenizer(make_spec().tokenize, ["Mr."])
    assert [t.decode() for t in tokenizer(tf.constant([text])).to_list()[0]] == tokens


def test_decomposed_accents_stay_inside_their_word():
    tokenizer = SentenceTokenizer(make_spec(tokenize={"unicode_normalization": "none"}).tokenize,
                                  [])
    text = "Mu\u0308ller fa\u0308hrt"  # combining diaeresis (NFD)
    assert len(tokenizer(tf.constant([text])).to_list()[0]) == 2


def test_sentence_tokenizer_round_trips_conll_tokens_and_truncates():
    tokenizer = SentenceTokenizer(make_spec(tokenize={"max_length": 4}).tokenize, ["Mr."])
    got = tokenizer(tf.constant([" ".join(r["tokens"]) for r in RECORDS])).to_list()
    assert [[t.decode() for t in row] for row in got] == [r["tokens"][:4] for r in RECORDS]
    assert detokenize(["Germany", "'s", "call", ",", "do", "n't", "."]) == "Germany's call, don't."
    whitespace = SentenceTokenizer(make_spec(tokenize={"level": "whitespace"}).tokenize, [])
    assert whitespace(tf.constant(["Germany's call, ok"])).to_list() == [[b"Germany's", b"call,",
                                                                          b"ok"]]


def test_learn_abbreviations_needs_two_sightings_of_a_short_word_and_a_stop():
    counts = collections.Counter(["Mr.", "Mr.", "Corp.", "U.S.", "U.S.", "Inc.", "Inc.", "."])
    assert learn_abbreviations(counts) == ["Inc.", "Mr."]


def test_char_level_is_refused():
    with pytest.raises(DataError, match="tokenize.level"):
        SentenceTokenizer(TokenizeSpec(level="char"), [])
