"""seq2seq over measurements: real FSDD recordings named by a manifest with their
transcripts, a frame encoder, the attentional decoder over frames; the served raw-WAV
path equals the Keras model, greedy equals a beam of one, padding changes nothing."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.measurements.serving import wav_bytes
from seqkeras.topologies import get_topology
from tests.audio.wav_cases import FSDD
from tests.pipeline_helpers import require_shared
from tests.pipeline_helpers import fixed_spec  # auto -> the fixed defaults

WORDS = {"0": "zero", "1": "one", "2": "two", "3": "three"}


@pytest.fixture
def setup(data_root, run_ingest, write_spec, tmp_path):
    """8 real recordings copied into the data root, a manifest naming them with their
    words, ingested through the pipeline's own ingest stage."""
    lines = ["path,text"]
    with zipfile.ZipFile(require_shared(FSDD)) as archive:
        for digit in "0123":
            for speaker in ("jackson", "theo"):
                name = f"{digit}_{speaker}_7.wav"
                (data_root / "clips").mkdir(exist_ok=True)
                (data_root / "clips" / name).write_bytes(archive.read(f"recordings/{name}"))
                lines.append(f"{name},{WORDS[digit]}")
    (data_root / "clips" / "manifest.csv").write_text("\n".join(lines) + "\n")
    path = write_spec("""
        name: speech_s2s
        topology: seq2seq
        input: {kind: audio, sample_rate: 8000, mel_bins: 16}
        data:
          sources:
            - {path: clips/manifest.csv, format: wav, target_field: text, label_field: null,
               split: train}
        tokenize: {level: char}
        model: {embedding_dim: 4, units: 6, cell: gru, bidirectional: true, frame_stack: 3,
                attention: luong}
        generate: {max_length: 8, beam_size: 3}
        """)
    _, out = run_ingest(path)
    import json

    records = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    spec = fixed_spec({**__import__("yaml").safe_load(path.read_text())})
    topology = get_topology("seq2seq")
    (tmp_path / "prep").mkdir()
    topology.fit_preprocessor(spec, records, tmp_path / "prep")
    return spec, topology, topology.load_preprocessor(spec, tmp_path / "prep"), records


def test_records_model_and_served_wav_path(setup, tmp_path):
    spec, topology, prep, records = setup
    assert len(records) == 8 and {r["target"] for r in records} == set(WORDS.values())
    assert prep.source.feature_size == 16 and "e" in prep.target.vocab
    model = topology.build_model(spec, prep)
    model.fit(topology.make_dataset(spec, prep, records, True), epochs=1, verbose=0)
    # the Keras model on training-time features, each recording alone
    decoded = topology.translate_all(spec, prep, model, records, beam_size=3)
    from seqkeras.stages.export import build_archive

    archive, endpoints = build_archive(spec, topology, prep, model)
    assert set(endpoints) == {"serving_default", "from_samples"}
    archive.write_out(str(tmp_path / "export"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "export")).signatures["serving_default"]
    out = served(audio=tf.constant([wav_bytes(r) for r in records]))     # one padded batch
    for i, record in enumerate(records):
        want = decoded[record["name"]]
        assert out["translation"].numpy()[i] == want["translation"]
        assert out["length"].numpy()[i] == want["length"]
    assert "attention" in out and out["attention"].shape[0] == len(records)
    metrics = topology.evaluate(spec, prep, model, records, tmp_path)
    assert np.isfinite(metrics["loss"]) and 0 <= metrics["chrf"] <= 100


def test_greedy_equals_a_beam_of_one_over_frames(setup):
    spec, topology, prep, records = setup
    model = topology.build_model(spec, prep)
    from seqkeras.measurements.dataset import examples
    from seqkeras.topologies.seq2seq.decoder import Seq2SeqDecoder

    decoder = Seq2SeqDecoder(model)
    assert decoder.frames and decoder.stack == 3
    batch = next(iter(examples(prep.source, records, False).padded_batch(8)))
    source = {"features": batch["features"], "lengths": batch["lengths"]}
    g_ids, g_len, g_att = decoder.greedy(source, 8)
    b_ids, b_len, b_att = decoder.beam_search(source, 8, beam_size=1)
    np.testing.assert_array_equal(g_ids, b_ids)
    np.testing.assert_array_equal(g_len, b_len)
    np.testing.assert_allclose(g_att, b_att, atol=1e-6)
    # attention never looks past a recording's frames (ceil(frames / 3) steps)
    steps = (batch["lengths"].numpy() + 2) // 3
    for row, n in zip(g_att.numpy(), steps):
        assert not row[:, n:].any()
