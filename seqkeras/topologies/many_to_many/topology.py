"""Many-to-many, aligned (Tx = Ty): one tag per token, e.g. named-entity recognition.

"Rand is a friend of Perrin" -> B-PER O O O O B-PER. Each word is represented by

* a word embedding, looked up by a *normalised* key (lowercased when
  ``tokenize.lowercase``, then ``tokenize.replace`` rewrites applied to the key, e.g.
  digits -> 0), learned from the training split only;
* optionally (``model.char_embedding_dim > 0``) a character encoding of the word as
  written (original case: capitalisation is the strongest entity signal when there are
  no pretrained embeddings), a bidirectional LSTM/GRU or a CNN over its characters;
* optionally (``model.casing_dim > 0``) an embedding of its casing class (lower, Title,
  UPPER, digits, punctuation, ...).

A stacked (bi)directional recurrent encoder returns one output per token; a dense layer
gives per-tag potentials, decoded per token (softmax) or jointly by a linear-chain CRF
(``model.crf``; ``seqkeras.layers.crf``: forward-algorithm loss, Viterbi decoding
in-graph). Padding never counts: targets of padded steps are -1 and the loss and the
accuracy only see real tokens (``tagger_model.TaggerModel``).

The export answers raw sentences (``serving_default``: ``text`` -> ``tokens``, ``tags``,
``lengths``), splitting them in-graph the way CoNLL-2003 was tokenized as far as RE2
allows (``tokenizer.SentenceTokenizer``), and pre-tokenized input (``from_tokens``: a
padded string matrix plus lengths).

This package: ``tokenizer`` (raw text -> tokens), ``featurizer`` (tokens -> ids),
``tagger_model`` (loss over real tokens, with or without the CRF), ``frames`` (numeric
[T, F] input, one tag a step), ``metrics`` (conlleval entity scores), ``display``
(predict's lines), ``plots``, and this module (the Topology hooks).
"""

from __future__ import annotations

import collections
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from seqkeras.constants import RESERVED_TOKENS, UNK_ID
from seqkeras.errors import DataError
from seqkeras.io.atomic import read_json, write_json
from seqkeras.layers.char_encoder import TokenCharEncoder
from seqkeras.layers.word_dropout import WordDropout
from seqkeras.measurements import serving as measurement_serving
from seqkeras.text.encoder import VOCAB_FILE, build_vocab, coverage, save_vocab, truncate
from seqkeras.topologies.base import Topology
from seqkeras.topologies.many_to_many.featurizer import (CASINGS, CHARS_FILE, MODEL_INPUTS,
                                                        TokenFeaturizer)
from seqkeras.topologies.many_to_many import evaluation
from seqkeras.topologies.many_to_many.baseline import tagging_baseline
from seqkeras.topologies.many_to_many.frame_baseline import frame_tagging_baseline
from seqkeras.topologies.many_to_many.frames import FrameTagger, _tagged
from seqkeras.topologies.many_to_many.display import tagged_lines
from seqkeras.topologies.many_to_many.metrics import entity_report, uses_chunk_tags
from seqkeras.spec.auto import require_resolved
from seqkeras.topologies.many_to_many.spec import TOKEN_KEYS
from seqkeras.topologies.many_to_many.tagger_model import (PAD_TAG, MaskedTokenAccuracy,
                                                            TaggerModel, decode_potentials,
                                                            tagger_outputs)
from seqkeras.topologies.many_to_many.tokenizer import (SentenceTokenizer, learn_abbreviations,
                                                       normalize_tokens, tokenizer_agreement,
                                                       word_key)
from seqkeras.training.batching import batch_dataset, prefetched
from seqkeras.training.epoch_metrics import ValidationMetrics
from seqkeras.training.optimizers import OPTIMIZERS, compile_model

TAGS_FILE = "tags.txt"
#: Below this share of sentences the word tokenizer reproduces, tokenize warns.
AGREEMENT = 0.9
ABBREVIATIONS_FILE = "abbreviations.txt"
log = logging.getLogger("seqkeras")


@dataclass
class TaggerPrep:
    """What the tokenize stage learned, loaded: the featurizer (vocabularies), the
    in-graph sentence tokenizer (learned abbreviations) and the tag names in id order."""

    featurizer: TokenFeaturizer
    tokenizer: SentenceTokenizer
    tags: list[str]
    #: training sentences (sets the length of an epoch for model.lr_decay)
    train_sentences: int = 0

    @property
    def tag_index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tags)}


def _records(records, what: str) -> list[dict]:
    kept = [r for r in records if r.get("tokens")]
    bad = [r for r in kept if len(r.get("tags", [])) != len(r["tokens"])]
    if bad or not kept:
        raise DataError(f"many_to_many needs tagged token sequences ({what}: records "
                        "{'tokens': [...], 'tags': [...]} with one tag per token, e.g. a "
                        "source with format: conll); "
                        + (f"{len(bad)} record(s) have a different number of tags and tokens"
                           if bad else "none found"))
    return kept


def _frames(spec) -> FrameTagger | None:
    """The numeric-input hooks (``frames.py``) when ``input.kind`` is numeric."""
    return FrameTagger() if spec.input.kind != "text" else None


class ManyToMany(Topology):
    """Aligned tagging: word (+ char, casing) features -> recurrent stack -> per-token
    potentials -> softmax or CRF; or numeric steps -> the same (``frames.py``)."""

    def ingest(self, spec, log):
        if _frames(spec) is None:
            return super().ingest(spec, log)
        from seqkeras.ingest.measurements import read_measurements

        return read_measurements(spec, log)

    # ------------------------------------------------------------------ preprocessing
    def fit_preprocessor(self, spec, train_records, out_dir: Path) -> dict:
        if _frames(spec):
            return _frames(spec).fit(spec, train_records, out_dir)
        records = _records(train_records, "training split")
        c = spec.tokenize
        SentenceTokenizer(c, [])  # fails early on a level this topology cannot serve
        flat = [t for r in records for t in r["tokens"]]

        @tf.function(reduce_retracing=True)
        def keys_and_chars(batch):  # the same in-graph functions the featurizer runs
            tokens = normalize_tokens(c, batch)
            chars = tf.strings.unicode_split(tokens, "UTF-8", errors="replace").flat_values
            return word_key(c, tokens), chars

        words: collections.Counter = collections.Counter()
        chars: collections.Counter = collections.Counter()
        for start in range(0, len(flat), 8192):
            key, ch = keys_and_chars(tf.constant(flat[start:start + 8192]))
            words.update(key.numpy().tolist())
            chars.update(ch.numpy().tolist())
        vocab = build_vocab(words, c.max_tokens, c.min_frequency)
        save_vocab(vocab, out_dir / VOCAB_FILE)
        char_vocab = build_vocab(chars, 100_000, 1)
        save_vocab(char_vocab, out_dir / CHARS_FILE)

        tag_counts = collections.Counter(t for r in records for t in r["tags"])
        tags = sorted(tag_counts, key=lambda t: (t != "O", t))
        if len(tags) < 2:
            raise DataError(f"the training split has {len(tags)} distinct tag(s); "
                            "tagging needs at least two")
        (out_dir / TAGS_FILE).write_text("".join(f"{t}\n" for t in tags), encoding="utf-8")

        raw = collections.Counter(flat)
        abbreviations = learn_abbreviations(raw)
        (out_dir / ABBREVIATIONS_FILE).write_text("".join(f"{a}\n" for a in abbreviations),
                                                  encoding="utf-8")
        summary = {"train_sentences": len(records), "vocab_size": len(vocab),
                   "distinct_tokens": len(words),
                   "train_tokens": int(sum(words.values())),
                   "vocab_coverage": coverage(words, vocab), "num_tags": len(tags),
                   "char_vocab_size": len(char_vocab), "abbreviations": len(abbreviations)}
        summary.update(tokenizer_agreement(c, abbreviations, records[:2000]))
        if c.level == "word":
            spaces = tokenizer_agreement(c.model_copy(update={"level": "whitespace"}),
                                               abbreviations, records[:2000])
            summary["whitespace_retokenized_exact"] = spaces.get("retokenized_exact", 0.0)
            exact = summary.get("retokenized_exact", 1.0)
            if exact < AGREEMENT and summary["whitespace_retokenized_exact"] > exact:
                log.warning(
                    "WARNING: tokenize: the in-graph word tokenizer reproduces the corpus's "
                    "tokens in %.1f%% of training sentences, splitting on spaces in %.1f%%; "
                    "raw text will be tagged worse than the test figure says (see "
                    "test_raw_text_entity_f1): set tokenize.level: whitespace", 100 * exact,
                    100 * summary["whitespace_retokenized_exact"])
        write_json(out_dir / "tokenize_summary.json", summary)
        return summary

    def load_preprocessor(self, spec, prep_dir: Path) -> TaggerPrep:
        if _frames(spec):
            return _frames(spec).load(spec, prep_dir)
        prep_dir = Path(prep_dir)
        tags = (prep_dir / TAGS_FILE).read_text(encoding="utf-8").split("\n")[:-1]
        abbr_path = prep_dir / ABBREVIATIONS_FILE
        abbreviations = abbr_path.read_text(encoding="utf-8").split() if abbr_path.exists() else []
        summary_path = prep_dir / "tokenize_summary.json"
        summary = read_json(summary_path) if summary_path.exists() else {}
        return TaggerPrep(TokenFeaturizer(spec, prep_dir),
                          SentenceTokenizer(spec.tokenize, abbreviations), tags,
                          int(summary.get("train_sentences", 0)))

    # ------------------------------------------------------------------------- model
    def build_model(self, spec, prep: TaggerPrep):
        if _frames(spec):
            return _frames(spec).build(spec, prep)
        m = spec.model
        require_resolved(m, [k.split(".")[1] for k in TOKEN_KEYS])
        keras.utils.set_random_seed(spec.seed)
        inputs = {"word_ids": keras.Input(shape=(None,), dtype="int64", name="word_ids"),
                  "char_ids": keras.Input(shape=(None, None), dtype="int64", name="char_ids"),
                  "casing_ids": keras.Input(shape=(None,), dtype="int64", name="casing_ids")}
        words = inputs["word_ids"]
        if m.word_dropout:
            words = WordDropout(m.word_dropout, unk_id=UNK_ID,
                                first_regular_id=len(RESERVED_TOKENS), seed=spec.seed,
                                name="word_dropout")(words)
        parts = [keras.layers.Embedding(prep.featurizer.vocab_size, m.embedding_dim,
                                        mask_zero=True, name="word_embedding")(words)]
        if m.char_embedding_dim:
            parts.append(TokenCharEncoder(prep.featurizer.char_vocab_size, m.char_embedding_dim,
                                          m.char_units, encoder=m.char_encoder,
                                          name="char_encoder")(inputs["char_ids"]))
        if m.casing_dim:
            parts.append(keras.layers.Embedding(len(CASINGS), m.casing_dim, mask_zero=True,
                                                name="casing_embedding")(inputs["casing_ids"]))
        # every part masks padding (Concatenate keeps a step that any part leaves unmasked,
        # and a step the recurrent stack does not mask would leak into the backward pass)
        x = parts[0] if len(parts) == 1 else keras.layers.Concatenate(name="features")(parts)
        if m.embedding_dropout:
            x = keras.layers.Dropout(m.embedding_dropout, name="embedding_dropout")(x)
        out = tagger_outputs(x, m, len(prep.tags))
        model = TaggerModel(inputs, out, name=f"{spec.name}_many_to_many")
        metrics = [MaskedTokenAccuracy(name="accuracy")]
        t = spec.train
        epoch_steps = t.steps_per_epoch or math.ceil(prep.train_sentences / t.batch_size)
        if m.lr_decay and not epoch_steps:
            log.warning("model.lr_decay ignored: the tokenize output does not say how many "
                        "training sentences there are (rerun the tokenize stage)")
        if not m.lr_decay or not epoch_steps:
            return compile_model(model, t, None, metrics)
        schedule = keras.optimizers.schedules.InverseTimeDecay(
            t.learning_rate, decay_steps=epoch_steps, decay_rate=m.lr_decay)
        model.compile(optimizer=OPTIMIZERS[t.optimizer](learning_rate=schedule,
                                                        clipnorm=t.clipnorm),
                      metrics=metrics, jit_compile=t.jit_compile)
        return model

    # -------------------------------------------------------------------------- data
    def _encode_tags(self, prep: TaggerPrep, records) -> list[list[int]]:
        index, unknown = prep.tag_index, collections.Counter()
        out = []
        for r in records:
            row = []
            for t in r["tags"]:
                if t not in index:
                    unknown[t] += 1
                row.append(index.get(t, 0))
            out.append(row)
        said = f"{prep.tags[0]}: {', '.join(f'{t} x{n}' for t, n in unknown.most_common(5))}"
        if unknown and said not in self.__dict__.setdefault("_said", set()):  # once a run
            self._said.add(said)
            log.warning("tags unseen in training read as %s", said)
        return out

    def _token_dataset(self, spec, prep, records) -> tf.data.Dataset:
        """(tokens [T] string, tags [T] int32) per record, cut to tokenize.max_length."""
        c = spec.tokenize
        tokens = [r["tokens"] for r in records]
        tags = self._encode_tags(prep, records)
        if c.max_length is not None:
            cut = (lambda x: x[-c.max_length:]) if c.truncate == "keep_end" else (
                lambda x: x[:c.max_length])
            tokens, tags = [cut(t) for t in tokens], [cut(t) for t in tags]
        splits = tf.constant(np.cumsum([0] + [len(t) for t in tokens]), tf.int64)
        flat_tokens = tf.constant([t for row in tokens for t in row], tf.string)
        flat_tags = tf.constant(np.array([t for row in tags for t in row], dtype=np.int32))

        def row(i):
            return flat_tokens[splits[i]:splits[i + 1]], flat_tags[splits[i]:splits[i + 1]]
        return tf.data.Dataset.range(len(tokens)).map(row)

    def _features(self, spec, prep):
        keys = MODEL_INPUTS

        def featurize(tokens, tags):
            lengths = tf.reduce_sum(tf.cast(tags >= 0, tf.int32), axis=1)
            return prep.featurizer(tokens, lengths, keys), tags
        return featurize

    def make_dataset(self, spec, prep: TaggerPrep, records, training: bool):
        if _frames(spec):
            return _frames(spec).dataset(spec, prep, records, training)
        records = _records(records, "records")
        ds = self._token_dataset(spec, prep, records).cache()
        pad = (tf.constant("", tf.string), tf.constant(PAD_TAG, tf.int32))
        ds = batch_dataset(ds, spec, training, spec.tokenize.max_length, padding_values=pad)
        ds = ds.map(self._features(spec, prep), num_parallel_calls=tf.data.AUTOTUNE)
        return prefetched(ds)

    # -------------------------------------------------------------------- evaluation
    def predict_tags(self, spec, prep: TaggerPrep, model, records,
                     cache: dict | None = None) -> tuple[list[list[str]], float]:
        """Predicted tags per record (tokens past tokenize.max_length tagged O) and the
        mean loss per real token, in one pass (records batched by length); ``cache``:
        see ``evaluation.predict_tags``."""
        return evaluation.predict_tags(self, spec, prep, model, records, cache)

    def evaluate(self, spec, prep: TaggerPrep, model, records, out_dir: Path) -> dict:
        """Entity F1 (conlleval) on the corpus's tokens and through the served raw-text
        path, token accuracy, the loss, and the records with tags unseen in training
        (``evaluation.evaluate``); measurement frames: ``FrameTagger.evaluate``."""
        if _frames(spec):
            return _frames(spec).evaluate(spec, prep, model, records, out_dir)
        records = _records(records, "evaluation split")
        serve_text = self.serving_endpoints(spec, prep, model)["serving_default"][0]
        return evaluation.evaluate(self, spec, prep, model, records, Path(out_dir), serve_text)

    def epoch_callbacks(self, spec, prep: TaggerPrep, val_records) -> list:
        """``val_entity_f1`` (conlleval on the corpus's tokens, per token for tags without
        chunk prefixes, segments of one tag for measurement frames) after every epoch."""
        if _frames(spec):
            return _frames(spec).epoch_callbacks(spec, prep, val_records)
        val_records = [r for r in val_records if r.get("tokens")]
        if not val_records:
            return []
        gold, cache = [r["tags"] for r in val_records], {}
        per_token = not uses_chunk_tags(prep.tags)

        def compute(model):
            predicted, _ = self.predict_tags(spec, prep, model, val_records, cache)
            return {"entity_f1": entity_report(gold, predicted, per_token)["f1"]}
        return [ValidationMetrics(compute, f"{len(val_records):,} val sentences")]

    def baseline(self, spec, prep: TaggerPrep, train, val, test, out_dir: Path):
        """Majority tag, most frequent tag per word and a CRF (``baseline.py``); for
        measurement steps the majority tag and a logistic regression on each step's
        window of frames (``frame_baseline.py``)."""
        if _frames(spec):
            return frame_tagging_baseline(spec, prep, _tagged(train, "the training split"),
                                          [r for r in val if r.get("tags")], _tagged(test, "the evaluation split"))
        return tagging_baseline(spec, _records(train, "training split"), val,
                                _records(test, "evaluation split"))

    # ----------------------------------------------------------------------- serving
    def serving_endpoints(self, spec, prep: TaggerPrep, model) -> dict:
        if _frames(spec):
            return _frames(spec).serving(spec, prep, model)
        tag_names = tf.constant(prep.tags)
        keys = MODEL_INPUTS
        crf = getattr(model, "crf_layer", None)
        max_length = spec.tokenize.max_length

        def answer(pieces: tf.RaggedTensor):
            tokens, lengths = pieces.to_tensor(""), tf.cast(pieces.row_lengths(), tf.int32)
            width = tf.shape(tokens)[1]
            mask = tf.sequence_mask(lengths, width)
            # a padding row and column: no empty batch (the LSTM fails) or sentence
            padded = tf.pad(lengths, [[0, 1]])
            features = prep.featurizer(tf.pad(tokens, [[0, 1], [0, 1]]), padded, keys)
            potentials = model(features, training=False)
            ids = decode_potentials(potentials, padded, crf)[:-1, :width]
            tags = tf.where(mask, tf.gather(tag_names, ids), "")
            return {"tokens": tokens, "tags": tags, "lengths": tf.cast(lengths, tf.int64)}

        def serve_text(text):
            return answer(prep.tokenizer(text))

        def serve_tokens(tokens, lengths):
            lengths = tf.clip_by_value(tf.cast(lengths, tf.int64), 0,
                                       tf.shape(tokens, out_type=tf.int64)[1])
            pieces = tf.RaggedTensor.from_tensor(tokens, lengths=lengths)
            return answer(truncate(pieces, max_length, spec.tokenize.truncate))

        return {
            "serving_default": (serve_text, [tf.TensorSpec([None], tf.string, name="text")]),
            "from_tokens": (serve_tokens, [tf.TensorSpec([None, None], tf.string, name="tokens"),
                                           tf.TensorSpec([None], tf.int64, name="lengths")]),
        }

    def trackables(self, prep: TaggerPrep) -> list:
        if not hasattr(prep, "featurizer"):
            return []  # numeric: the statistics are constants of the graph
        return [prep.featurizer.word_table, prep.featurizer.char_table]

    def example_inputs(self, records, n: int) -> dict:
        if records and "sequence" in records[0]:
            return measurement_serving.example_inputs(records, n)
        return {"text": np.array([" ".join(r["tokens"]) for r in records[:n] if r.get("tokens")],
                                 dtype=object)}

    def parse_predict_inputs(self, signature_inputs: dict, args: list[str]) -> dict:
        if "features" not in signature_inputs:
            return super().parse_predict_inputs(signature_inputs, args)
        self.names = list(args)
        return measurement_serving.parse_predict_inputs(signature_inputs, args)

    def export_metadata(self, spec, prep) -> dict:
        """``chunk_tags``: whether the tag set marks chunks (NER) or labels tokens (POS):
        how ``seqkeras predict`` writes the tags (``display.py``)."""
        tags = getattr(prep, "tags", None)
        return {} if tags is None else {"chunk_tags": uses_chunk_tags(tags)}

    def use_export_metadata(self, metadata: dict) -> None:
        self.chunk_tags = bool(metadata.get("chunk_tags", True))  # older exports: brackets

    def format_prediction(self, inputs: dict, outputs: dict) -> list[str]:
        if "features" in inputs:
            return FrameTagger.format_prediction(inputs, outputs, getattr(self, "names", None))
        return tagged_lines(outputs, getattr(self, "chunk_tags", True))
