"""seqkeras.topologies.transcription: preprocessing, the CTC model, padding invariance and
the served raw-WAV path equal to the Keras model, on a few real FSDD recordings."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.measurements.serving import wav_bytes
from seqkeras.topologies import get_topology
from tests.audio.wav_cases import FSDD, fsdd_members
from tests.pipeline_helpers import SHARED_DATA
from tests.topologies.logged_metrics import logged_names
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults

WORDS = {"0": "zero", "1": "one", "2": "two"}


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(SHARED_DATA))
    spec = fixed_spec({
        "name": "t", "topology": "transcription",
        "input": {"kind": "audio", "sample_rate": 8000, "mel_bins": 20},
        "data": {"sources": [{"path": FSDD, "format": "wav", "name_pattern": r"^(\d)_"}],
                 "compose": {"same": None}},
        "model": {"units": 6, "bidirectional": True, "frame_stack": 2},
        "train": {"batch_size": 3}, "decode": {"beam_size": 4}})
    names = [n for n, _ in fsdd_members(60, index="2")[:18:6]]       # digits 0, 1, 2
    refs = [{"path": FSDD, "member": n} for n in names]
    records = [{"audio": [refs[i % 3], refs[(i + 1) % 3]][:1 + i % 2],
                "gaps": [100 * i, 400, 50][:2 + i % 2],
                "target": " ".join(WORDS[r["member"].split("/")[-1][0]]
                                   for r in [refs[i % 3], refs[(i + 1) % 3]][:1 + i % 2])}
               for i in range(6)]
    topology = get_topology("transcription")
    summary = topology.fit_preprocessor(spec, records, tmp_path)
    return spec, topology, topology.load_preprocessor(spec, tmp_path), records, summary


def test_vocabulary_and_statistics_from_the_training_transcripts(setup):
    spec, topology, prep, records, summary = setup
    assert set(prep.target.vocab[4:]) == set("zeroonetwo ")
    assert prep.classes == prep.target.vocab_size + 1          # + the blank
    assert summary["feature_size"] == 20 and summary["input_kind"] == "audio"


def test_served_wav_path_equals_the_keras_model_and_padding_changes_nothing(setup, tmp_path):
    spec, topology, prep, records, _ = setup
    model = topology.build_model(spec, prep)
    transcribe = topology.transcriber(spec, prep, model)
    # training-time features, each example alone, through the Keras model
    from seqkeras.measurements.dataset import examples

    alone = [transcribe(ex["features"][None], ex["lengths"][None])
             for ex in examples(prep.measurements, records, False)]
    from seqkeras.stages.export import build_archive

    archive, _ = build_archive(spec, topology, prep, model)
    archive.write_out(str(tmp_path / "export"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "export")).signatures["serving_default"]
    out = served(audio=tf.constant([wav_bytes(r) for r in records]))   # one padded batch
    for i, single in enumerate(alone):
        assert out["transcript"].numpy()[i] == single["transcript"].numpy()[0]
        assert out["length"].numpy()[i] == single["length"].numpy()[0]
        np.testing.assert_allclose(out["log_probability"].numpy()[i],
                                   single["log_probability"].numpy()[0], atol=1e-4)


def test_declared_metrics_are_what_keras_logs(setup):
    spec, topology, prep, records, _ = setup
    assert logged_names(spec, topology, prep, records) == set(spec.logged_metrics()) == {
        "loss", "val_loss"}


def test_format_prediction_names_the_files(setup):
    _, topology, _, _, _ = setup
    topology.names = ["a/x.wav"]
    lines = topology.format_prediction({"audio": np.array([b"..."], dtype=object)},
                                       {"transcript": np.array([b"two one"]),
                                        "log_probability": np.array([-0.25])})
    assert lines == ["x.wav: two one  (log p -0.25)"]
