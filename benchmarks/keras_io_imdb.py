"""The keras-io ``bidirectional_lstm_imdb`` recipe, reproduced on the seqkeras IMDB split.

keras-io (fchollet, 2020; examples/nlp/bidirectional_lstm_imdb.py)::

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(20000, 128)(inputs)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    (x_train, y_train), (x_val, y_val) = keras.datasets.imdb.load_data(num_words=20000)
    x_train = keras.utils.pad_sequences(x_train, maxlen=200)   # also x_val
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val))

``keras.datasets`` cannot be downloaded here, so its integer inputs are rebuilt from the
same reviews (``imdb/imdb_50k.csv.gz``) the way that dataset encodes them: lowercased,
``<br />`` removed, punctuation except the apostrophe dropped (``text_to_word_sequence``'s
filters), words ranked by frequency, id = rank + 3 (0 padding, 1 start, 2 out of
vocabulary), ids >= 20000 replaced by 2, a start id first; then ``pad_sequences(maxlen=
200)`` with its defaults (padding and truncation at the start: the last 200 ids are kept).

Differences from keras-io's run, all on purpose so the comparison with seqkeras is on the
same data: the word ranking comes from our 20k training reviews (keras' index was ranked
on its own preprocessing of the whole corpus), training uses the CSV's 20k train split
(keras-io: 25k), and validation the 5k val split (keras-io validates on the 25k test
reviews, which we keep for the final test accuracy).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

NUM_WORDS = 20_000
MAXLEN = 200
BATCH_SIZE = 32
EPOCHS = 2
START, OOV, INDEX_FROM = 1, 2, 3

_BREAK = re.compile(r"<br\s*/?>", re.I)
# keras.preprocessing.text.text_to_word_sequence's default filters, apostrophe kept
_FILTERS = re.compile(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~\t\n]")


def words(text: str) -> list[str]:
    """A review as keras' IMDB preprocessing splits it (lowercase, no punctuation)."""
    return _FILTERS.sub(" ", _BREAK.sub(" ", text).lower()).split()


def word_index(texts: list[str]) -> dict[str, int]:
    """word -> id (rank + INDEX_FROM) for the NUM_WORDS - INDEX_FROM most frequent words."""
    counts = Counter(w for t in texts for w in words(t))
    top = [w for w, _ in counts.most_common(NUM_WORDS - INDEX_FROM)]
    return {w: i + INDEX_FROM for i, w in enumerate(top)}


def encode(texts: list[str], index: dict[str, int]) -> np.ndarray:
    """Texts -> int32 [N, MAXLEN]: start id + word ids, padded and cut at the start."""
    import keras

    seqs = [[START] + [index.get(w, OOV) for w in words(t)] for t in texts]
    return keras.utils.pad_sequences(seqs, maxlen=MAXLEN).astype("int32")


def labels(records: list[dict]) -> np.ndarray:
    return np.array([[1.0 if r["label"] == "pos" else 0.0] for r in records], np.float32)


def build_model(seed: int):
    """The keras-io model, compiled as keras-io compiles it (Adam at its default 1e-3)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(NUM_WORDS, 128)(inputs)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name="keras_io_bidirectional_lstm_imdb")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
