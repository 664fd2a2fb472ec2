"""many_to_one over measurements: numeric [T, F] and audio inputs, padding invariance,
the served raw-WAV path equal to the Keras model, and the input-kind schema rules."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest
import tensorflow as tf

from seqkeras.measurements.serving import wav_bytes
from seqkeras.spec import PipelineSpec
from seqkeras.topologies.many_to_one.topology import ManyToOne
from tests.audio.wav_cases import FSDD, fsdd_members
from tests.pipeline_helpers import SHARED_DATA
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults


def make_spec(**sections) -> PipelineSpec:
    sources = sections.pop("sources", [{"path": "x.ts", "format": "ts"}])
    return fixed_spec({"name": "t", "data": {"sources": sources}, **sections})


def numeric_records(n=8, steps=(5, 3, 7, 4), width=3):
    rng = np.random.default_rng(0)
    return [{"sequence": rng.normal(size=(steps[i % len(steps)], width)).tolist(),
             "label": "ab"[i % 2]} for i in range(n)]


@pytest.mark.parametrize("model", [
    {"cell": "gru", "bidirectional": True, "pooling": "last"},
    {"cell": "lstm", "frame_stack": 2, "input_units": 4, "pooling": "mean", "layers": 2},
    {"cell": "simple_rnn", "frame_stack": 3, "pooling": "max", "head": "softmax"},
])
def test_numeric_padding_changes_nothing(tmp_path, model):
    spec = make_spec(input={"kind": "numeric"}, model={"units": 4, **model})
    topology, records = ManyToOne(), numeric_records()
    topology.fit_preprocessor(spec, records, tmp_path)
    prep = topology.load_preprocessor(spec, tmp_path)
    keras_model = topology.build_model(spec, prep)
    endpoints = topology.serving_endpoints(spec, prep, keras_model)
    padded_fn = endpoints["from_padded"][0]
    one = np.array([records[1]["sequence"]], np.float32)             # 3 steps
    alone = padded_fn(tf.constant(one), tf.constant([3], tf.int64))["probabilities"].numpy()
    batch = np.zeros((2, 7, 3), np.float32) + 99.0                   # garbage padding
    batch[0, :3], batch[1] = one[0], records[2]["sequence"]
    both = padded_fn(tf.constant(batch), tf.constant([3, 7], tf.int64))["probabilities"].numpy()
    np.testing.assert_allclose(both[0], alone[0], atol=1e-5)
    # serving_default reads whole rows: the same answer as its padded twin
    whole = endpoints["serving_default"][0](tf.constant(one))["probabilities"].numpy()
    np.testing.assert_allclose(whole, alone, atol=1e-6)


def test_served_wav_path_equals_the_keras_model_on_training_features(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(SHARED_DATA))
    spec = make_spec(input={"kind": "audio", "sample_rate": 8000, "mfcc": 13, "deltas": 1},
                     sources=[{"path": FSDD, "format": "wav", "name_pattern": r"^(\d)_"}],
                     model={"units": 8, "frame_stack": 2, "bidirectional": True})
    records = [{"audio": [{"path": FSDD, "member": n}], "label": n.split("/")[-1][0]}
               for n, _ in fsdd_members(60, index="3")[::8]]      # 8 digits, 6 speakers
    topology = ManyToOne()
    topology.fit_preprocessor(spec, records, tmp_path)
    assert (tmp_path / "features.png").stat().st_size > 0
    prep = topology.load_preprocessor(spec, tmp_path)
    model = topology.build_model(spec, prep)
    # what training and evaluation feed the Keras model
    keras_p = np.concatenate([topology.probabilities(spec, prep, model, x).numpy()
                              for x, _ in topology.make_dataset(spec, prep, records, False)])
    # what the export answers for the raw WAV files, one batch of different lengths
    from seqkeras.stages.export import build_archive

    archive, _ = build_archive(spec, topology, prep, model)
    archive.write_out(str(tmp_path / "export"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "export")).signatures["serving_default"]
    out = served(audio=tf.constant([wav_bytes(r) for r in records]))
    np.testing.assert_allclose(out["probabilities"].numpy(), keras_p, atol=1e-5)
    assert [x.decode() for x in out["label"].numpy()] == \
        [prep.labels[i] for i in keras_p.argmax(-1)]


def test_input_kind_rules():
    with pytest.raises(pydantic.ValidationError, match="set input.kind to numeric"):
        make_spec()                                                   # .ts with text input
    with pytest.raises(pydantic.ValidationError, match="set format: wav"):
        make_spec(input={"kind": "audio"})
    with pytest.raises(pydantic.ValidationError, match="measurement frames are not embedded"):
        make_spec(input={"kind": "numeric"}, model={"embedding_dim": 8})
    with pytest.raises(pydantic.ValidationError, match="the n-gram branch reads token ids"):
        make_spec(input={"kind": "numeric"}, model={"ngram_branch": {"enabled": True}})
    with pytest.raises(pydantic.ValidationError, match="input.kind is text"):
        make_spec(sources=[{"path": "x.csv"}], model={"frame_stack": 2})
    with pytest.raises(pydantic.ValidationError, match="WAV files of this source get no label"):
        make_spec(input={"kind": "audio"}, sources=[{"path": "r.zip", "format": "wav"}])
    with pytest.raises(pydantic.ValidationError, match="above the Nyquist"):
        make_spec(input={"kind": "audio", "sample_rate": 8000, "upper_hz": 5000},
                  sources=[{"path": "r.zip", "format": "wav", "label": "x"}])
    spec = make_spec(input={"kind": "numeric"})
    assert spec.input.kind == "numeric" and spec.input.max_length == 2000
