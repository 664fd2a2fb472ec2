"""seqkeras.measurements.dataset: composed recordings are joined exactly; numeric records
keep their values; augmentation only in training."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from seqkeras.audio.wav import read_pcm16
from seqkeras.measurements.dataset import examples, raw_dataset
from seqkeras.measurements.prep import MeasurementPrep
from seqkeras.measurements.serving import example_inputs, wav_bytes
from seqkeras.spec import AudioAugment, AudioInput, NumericInput
from tests.audio.wav_cases import FSDD, fsdd_members
from tests.pipeline_helpers import SHARED_DATA


def test_a_composed_record_is_its_recordings_and_silences(monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(SHARED_DATA))
    members = fsdd_members(2)
    record = {"audio": [{"path": FSDD, "member": n} for n, _ in members], "gaps": [3, 5, 7]}
    (wave_, length), = list(raw_dataset([record]).as_numpy_iterator())
    a, b = (read_pcm16(d).astype(np.float32) / 32768 for _, d in members)
    want = np.concatenate([np.zeros(3), a, np.zeros(5), b, np.zeros(7)])
    assert length == len(want)
    np.testing.assert_array_equal(wave_, want.astype(np.float32))
    # the request a client sends for it is that audio as one WAV file
    served = wav_bytes(record)
    with wave.open(io.BytesIO(served)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (8000, 1, len(want))
    np.testing.assert_array_equal(read_pcm16(served).astype(np.float32) / 32768, want)


def test_numeric_records_and_example_requests():
    records = [{"sequence": [[1, 2], [3, 4], [5, 6]]}, {"sequence": [[7, 8]]},
               {"sequence": [[0, 0], [1, 1], [2, 2]]}]
    got = list(raw_dataset(records).as_numpy_iterator())
    assert [int(n) for _, n in got] == [3, 1, 3]
    np.testing.assert_array_equal(got[1][0], [[7, 8]])
    # serving_default takes rows of one length: the records as long as the first
    inputs = example_inputs(records, 5)
    assert inputs["features"].shape == (2, 3, 2) and inputs["features"].dtype == np.float32


def test_numeric_encoding_cuts_and_standardizes():
    config = NumericInput(max_length=2, truncate="keep_end")
    prep = MeasurementPrep(config, 2, [1.0, 2.0], [2.0, 4.0])
    records = [{"sequence": [[1, 2], [3, 6], [5, 10]]}, {"sequence": [[3, 2]]}]
    got = [(ex["features"].numpy(), int(ex["lengths"])) for ex in examples(prep, records, False)]
    np.testing.assert_allclose(got[0][0], [[1.0, 1.0], [2.0, 2.0]])   # last two steps
    assert got[0][1] == 2 and got[1][1] == 1
    np.testing.assert_allclose(got[1][0], [[1.0, 0.0]])


def test_augmentation_only_in_training(monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(SHARED_DATA))
    config = AudioInput(sample_rate=8000, augment=AudioAugment(
        time_shift_ms=50, noise={"min_snr_db": 5, "max_snr_db": 10, "probability": 1.0},
        time_masks=1, freq_masks=1))
    prep = MeasurementPrep(config, 0, None, None)
    records = [{"audio": [{"path": FSDD, "member": n}]} for n, _ in fsdd_members(2)]
    plain = [ex["features"].numpy() for ex in examples(prep, records, training=False)]
    again = [ex["features"].numpy() for ex in examples(prep, records, training=False)]
    noisy = [ex["features"].numpy() for ex in examples(prep, records, training=True)]
    for p, a, n in zip(plain, again, noisy):
        np.testing.assert_array_equal(p, a)
        assert n.shape[0] >= p.shape[0] and not np.array_equal(n[:len(p)], p)


@pytest.mark.parametrize("n", [1, 3])
def test_audio_example_requests_are_wav_files(monkeypatch, n):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(SHARED_DATA))
    members = fsdd_members(3)
    records = [{"audio": [{"path": FSDD, "member": m}]} for m, _ in members]
    inputs = example_inputs(records, n)
    assert list(inputs["audio"]) == [d for _, d in members[:n]]
