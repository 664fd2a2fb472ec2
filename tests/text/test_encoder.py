"""seqkeras.text: tokenizers, normalization, truncation, vocabulary and the TextEncoder."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.constants import END, PAD, RESERVED_TOKENS, START, UNK, UNK_ID
from seqkeras.spec import Replacement, TokenizeSpec
from seqkeras.spec.auto import fixed
from seqkeras.text.encoder import (VOCAB_FILE, TextEncoder, TextNormalizer, build_vocab,
                                   count_tokens, coverage, fit_vocabulary, load_vocab,
                                   pad_batch, save_vocab, truncate)
from seqkeras.text.tokenizers import TOKENIZERS, get_tokenizer


def split(level: str, *texts: str) -> list[list[str]]:
    ragged = get_tokenizer(level).split(tf.constant(list(texts)))
    return [[t.decode() for t in row] for row in ragged.to_list()]


def normalize(config: TokenizeSpec, *texts: str) -> list[str]:
    return [s.decode() for s in TextNormalizer(config)(tf.constant(list(texts))).numpy()]


# ------------------------------------------------------------------ tokenizers
def test_tokenizers_are_registered():
    assert set(TOKENIZERS) == {"word", "whitespace", "char", "word_marked", "wordpiece"}
    with pytest.raises(KeyError):
        get_tokenizer("sentencepiece")


@pytest.mark.parametrize("text", ["C'est bien !", "Je l'ai vu, hier.", "Élève à l'école",
                                  "Va-t'en !", "« Oui », dit-il.", ""])
def test_word_marked_tokens_join_back_into_the_text(text):
    tok = get_tokenizer("word_marked")
    tokens = tok.split(tf.constant([text]))
    assert tok.join(tokens.to_tensor("")).numpy()[0].decode() == text
    words = [t.decode() for t in tokens.flat_values.numpy()]
    assert [w.lstrip("\u2581") for w in words] == \
        [t.decode() for t in get_tokenizer("word").split(tf.constant([text])).flat_values.numpy()]


FRENCH = ["Je pense qu'il va pleuvoir demain.", "Il ne pleut pas.", "Il pleuvait hier.",
          "Je pense que oui.", "Elle pense à demain.", "Nous pensons qu'il viendra."] * 3


def fit_wordpiece(tmp_path, texts=FRENCH, max_tokens=200, min_frequency=1):
    config = TokenizeSpec(level="wordpiece", lowercase=False, max_tokens=max_tokens,
                          min_frequency=min_frequency, max_length=None)
    summary = fit_vocabulary(config, texts, tmp_path)
    return config, summary, TextEncoder(config, tmp_path / VOCAB_FILE)


def test_wordpiece_vocabulary_is_learned_from_words_with_reserved_tokens_first(tmp_path):
    _, summary, encoder = fit_wordpiece(tmp_path)
    assert encoder.vocab[:len(RESERVED_TOKENS)] == list(RESERVED_TOKENS)
    assert len(encoder.vocab) == summary["vocab_size"] <= 200
    assert summary["vocab_coverage"] == 1.0           # every training word spelled by pieces
    assert any(t.startswith("##") for t in encoder.vocab)
    assert len(set(encoder.vocab)) == len(encoder.vocab)


@pytest.mark.parametrize("text", ["Je pense qu'il va pleuvoir demain.", "Il pleuvra demain.",
                                  "Nous pensions à vous.", ""])
def test_wordpiece_pieces_join_back_into_the_text(tmp_path, text):
    _, _, encoder = fit_wordpiece(tmp_path)
    tokens = encoder.tokenize(tf.constant([text]))
    joined = encoder.tokenizer.join(tokens.to_tensor("")).numpy()[0].decode()
    assert joined == text
    ids = encoder(tf.constant([text])).flat_values.numpy()
    assert UNK_ID not in ids                           # unseen words are spelled, not [UNK]


def test_wordpiece_splits_an_unseen_word_into_several_pieces(tmp_path):
    _, _, encoder = fit_wordpiece(tmp_path)
    pieces = [t.decode() for t in encoder.tokenize(tf.constant(["pleuvra"])).flat_values.numpy()]
    assert len(pieces) > 1 and pieces[0].startswith("\u2581")
    assert all(p.startswith("##") for p in pieces[1:])


def test_wordpiece_min_frequency_drops_rare_characters(tmp_path):
    texts = ["aaa bbb"] * 5 + ["zzz"]
    _, summary, encoder = fit_wordpiece(tmp_path, texts, min_frequency=2)
    assert not any("z" in t for t in encoder.vocab)
    assert summary["vocab_coverage"] == pytest.approx(10 / 11)
    assert UNK_ID in encoder(tf.constant(["zzz"])).flat_values.numpy()


def test_word_marked_marks_only_tokens_after_a_space():
    tokens = get_tokenizer("word_marked").split(tf.constant(["  J'ai  froid."]))
    assert [t.decode() for t in tokens.flat_values.numpy()] == \
        ["\u2581J", "'", "ai", "\u2581froid", "."]


@pytest.mark.parametrize("level,tokens,text", [("word", ["a", "b", ""], "a b"),
                                               ("char", ["a", "b", ""], "ab")])
def test_join_is_the_inverse_of_split_per_level(level, tokens, text):
    assert get_tokenizer(level).join(tf.constant([tokens])).numpy()[0].decode() == text


def test_word_tokenizer_splits_punctuation():
    assert split("word", "it's great!", "a,b  c") == [
        ["it", "'", "s", "great", "!"], ["a", ",", "b", "c"]]


def test_word_tokenizer_empty_and_symbols():
    assert split("word", "", "5$ +x") == [[], ["5", "$", "+", "x"]]


def test_whitespace_tokenizer_keeps_punctuation_attached():
    assert split("whitespace", "it's  great!\tok") == [["it's", "great!", "ok"]]


def test_char_tokenizer_gives_code_points_including_spaces():
    assert split("char", "hé y") == [["h", "é", " ", "y"]]


# ----------------------------------------------------------------- normalizer
def test_lowercase_and_nfkc():
    config = TokenizeSpec(lowercase=True, unicode_normalization="NFKC")
    # U+FB01 (fi ligature) and full-width A decompose under NFKC, then case-fold
    assert normalize(config, "\ufb01ne \uff21BC") == ["fine abc"]


def test_no_normalization_keeps_text():
    config = TokenizeSpec(lowercase=False, unicode_normalization="none")
    assert normalize(config, "\ufb01ne ABC") == ["\ufb01ne ABC"]


def test_nfc_composes_combining_accents():
    config = TokenizeSpec(lowercase=False, unicode_normalization="NFC")
    assert normalize(config, "e\u0301") == ["\u00e9"]


def test_regex_replacements_apply_in_order():
    config = TokenizeSpec(replace=[Replacement(pattern=r"<br\s*/?>", rewrite=" "),
                                   Replacement(pattern=r"\d+", rewrite="0")])
    assert normalize(config, "Line 12<br />Line 345<br>") == ["line 0 line 0 "]


# ------------------------------------------------------------------ truncation
def ragged(rows):
    return tf.ragged.constant(rows, dtype=tf.int64)


def test_truncate_keep_start_and_keep_end():
    rows = ragged([[1, 2, 3, 4, 5], [6, 7], []])
    assert truncate(rows, 3, "keep_start").to_list() == [[1, 2, 3], [6, 7], []]
    assert truncate(rows, 3, "keep_end").to_list() == [[3, 4, 5], [6, 7], []]
    assert truncate(rows, None, "keep_end").to_list() == [[1, 2, 3, 4, 5], [6, 7], []]


# ------------------------------------------------------------------ vocabulary
def counter(**counts) -> collections.Counter:
    return collections.Counter({k.encode(): v for k, v in counts.items()})


def test_vocab_reserved_tokens_first_then_by_frequency_ties_alphabetical():
    vocab = build_vocab(counter(b=3, a=3, c=5, d=1), max_tokens=100, min_frequency=1)
    assert vocab[:4] == [PAD, UNK, START, END] == list(RESERVED_TOKENS)
    assert vocab[4:] == ["c", "a", "b", "d"]


def test_vocab_min_frequency():
    vocab = build_vocab(counter(b=3, a=2, c=5, d=1), max_tokens=100, min_frequency=2)
    assert vocab[4:] == ["c", "b", "a"]


def test_vocab_max_tokens_counts_reserved_tokens():
    vocab = build_vocab(counter(b=3, a=2, c=5, d=4), max_tokens=6, min_frequency=1)
    assert vocab == [PAD, UNK, START, END, "c", "d"]


def test_vocab_skips_tokens_that_cannot_be_stored_one_per_line():
    counts = collections.Counter({b"\n": 9, b"a\rb": 8, b"": 7, b"\xe2\x80\xa8": 6,
                                  b"ok": 5, b" ": 4})
    vocab = build_vocab(counts, max_tokens=100, min_frequency=1)
    assert vocab[4:] == ["ok", " "]


def test_vocab_does_not_repeat_reserved_tokens_from_data():
    vocab = build_vocab(counter(**{"[UNK]": 10, "x": 2}), max_tokens=100, min_frequency=1)
    assert vocab == [PAD, UNK, START, END, "x"]


def test_vocab_file_round_trip_keeps_space_and_unicode_tokens(tmp_path):
    vocab = [*RESERVED_TOKENS, " ", "é", "x y"]
    save_vocab(vocab, tmp_path / "vocab.txt")
    assert load_vocab(tmp_path / "vocab.txt") == vocab
    assert (tmp_path / "vocab.txt").read_text(encoding="utf-8").count("\n") == len(vocab)


def test_count_tokens_uses_normalizer_and_tokenizer():
    counts = count_tokens(TokenizeSpec(), ["The cat.", "the CAT sat"], batch_size=1)
    # lowercased words and punctuation: the x2, cat x2, "." x1, sat x1
    assert counts == counter(the=2, cat=2, sat=1, **{".": 1})


def test_coverage_is_share_of_known_training_tokens():
    counts = counter(a=6, b=3, c=1)
    assert coverage(counts, [*RESERVED_TOKENS, "a", "b"]) == pytest.approx(0.9)  # (6+3)/10
    assert coverage(collections.Counter(), [*RESERVED_TOKENS]) == 0.0


def test_pad_batch():
    np.testing.assert_array_equal(pad_batch([[1, 2, 3], [4]]), [[1, 2, 3], [4, 0, 0]])
    assert pad_batch([[], []]).shape == (2, 1)


# ----------------------------------------------------------------- TextEncoder
def make_encoder(tmp_path, texts, **config) -> TextEncoder:
    c = fixed(TokenizeSpec(**config))  # no tokenize stage here: auto -> the fixed defaults
    vocab = build_vocab(count_tokens(c, texts), c.max_tokens, c.min_frequency)
    save_vocab(vocab, tmp_path / "vocab.txt")
    return TextEncoder(c, tmp_path / "vocab.txt")


def test_encoder_ids_follow_vocab_lines_and_unknown_is_one(tmp_path):
    encoder = make_encoder(tmp_path, ["the cat sat", "the dog"])
    vocab = encoder.vocab
    # "the" is the most frequent token, so it follows the four reserved tokens
    assert vocab[4] == "the" and encoder.vocab_size == len(vocab) == 8
    ids = encoder(tf.constant(["The CAT, zebra"])).to_list()
    assert ids == [[vocab.index("the"), vocab.index("cat"), UNK_ID, UNK_ID]]  # "," and zebra


def test_encoder_truncates(tmp_path):
    encoder = make_encoder(tmp_path, ["a b c d e"], max_length=2, truncate="keep_end")
    vocab = encoder.vocab
    assert encoder(tf.constant(["a b c d e", "a"])).to_list() == [
        [vocab.index("d"), vocab.index("e")], [vocab.index("a")]]


def test_char_encoder_with_min_frequency(tmp_path):
    encoder = make_encoder(tmp_path, ["aab", "ab a"], level="char", min_frequency=2)
    # counts: a=4, b=2, " "=1: the space falls below min_frequency
    assert encoder.vocab == [*RESERVED_TOKENS, "a", "b"]
    assert encoder(tf.constant(["ba c"])).to_list() == [[5, 4, UNK_ID, UNK_ID]]


def test_newline_character_maps_to_unknown(tmp_path):
    encoder = make_encoder(tmp_path, ["a\nb", "a\nb"], level="char", lowercase=False)
    assert "\n" not in encoder.vocab
    assert encoder(tf.constant(["a\nb"])).to_list() == [[encoder.vocab.index("a"), UNK_ID,
                                                         encoder.vocab.index("b")]]


def test_wordpiece_keeps_every_character_when_max_tokens_is_tight(tmp_path):
    # the learner lists reserved tokens, characters, words, then ##characters, and may
    # return more than max_tokens: cutting its list dropped every ##character (and some
    # characters), so a tiny corpus with max_tokens auto (words seen + reserved) had
    # coverage 0: every word [UNK]
    texts = ["this is good stuff", "this is bad stuff", "good", "bad"] * 5
    words = {w for t in texts for w in t.split()}
    alphabet = {c for w in words for c in "\u2581" + w}
    tight = len(RESERVED_TOKENS) + 2 * len(alphabet)
    _, summary, encoder = fit_wordpiece(tmp_path, texts, max_tokens=tight + 1)
    assert summary["vocab_coverage"] == 1.0 and len(encoder.vocab) <= tight + 1
    assert {f"##{c}" for c in alphabet} <= set(encoder.vocab)
    ids = encoder(tf.constant(["this is bad"])).flat_values.numpy()
    assert UNK_ID not in ids


def test_wordpiece_max_tokens_below_the_alphabet_is_a_data_error(tmp_path):
    from seqkeras.errors import DataError

    with pytest.raises(DataError, match=r"tokenize.max_tokens 10 .* at least 2\d"):
        fit_wordpiece(tmp_path, ["this is good stuff"] * 3, max_tokens=10)


def test_token_counts_tokenizes_the_same_texts_once_within_keep_last_split(monkeypatch):
    """The tokenize stage asked twice (auto statistics, vocabulary) and tokenized the
    training split twice; a setting that splits differently still counts afresh."""
    import seqkeras.text.encoder as encoder

    calls = []
    real = encoder.get_tokenizer
    monkeypatch.setattr(encoder, "get_tokenizer", lambda level: calls.append(level) or real(level))
    texts = ["The cat sat.", "the CAT ran", "x"]
    config = fixed(TokenizeSpec(lowercase=True))
    with encoder.keep_last_split():
        counts, lengths = encoder.token_counts(config, texts)
        assert counts[b"cat"] == 2 and lengths == collections.Counter({4: 1, 3: 1, 1: 1})
        counts[b"cat"] = 99                                   # the caller's copy
        again, _ = encoder.token_counts(fixed(TokenizeSpec(lowercase=True, max_tokens=50)),
                                        list(texts))
        assert again[b"cat"] == 2 and len(calls) == 1         # kept, not tokenized again
        cased, _ = encoder.token_counts(fixed(TokenizeSpec(lowercase=False)), texts)
        assert cased[b"CAT"] == 1 and len(calls) == 2
        other, _ = encoder.token_counts(config, texts[:2])
        assert other[b"x"] == 0 and len(calls) == 3
    encoder.token_counts(config, texts[:2])                   # nothing kept after it
    assert len(calls) == 4 and encoder._LAST_SPLIT is None
