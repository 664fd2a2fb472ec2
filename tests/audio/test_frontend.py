"""seqkeras.audio.frontend: what the export computes from WAV bytes is what training read;
padding changes nothing; bad audio fails the request with its reason."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from seqkeras.audio.frontend import AudioFrontEnd, deltas
from seqkeras.measurements.dataset import examples
from seqkeras.measurements.prep import MeasurementPrep, fit_statistics
from seqkeras.measurements.dataset import raw_dataset
from seqkeras.measurements.serving import wav_bytes
from seqkeras.spec import AudioInput
from tests.audio.wav_cases import FSDD, fsdd_members, synthetic
from tests.pipeline_helpers import SHARED_DATA


@pytest.fixture
def fsdd_records(monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(SHARED_DATA))
    names = [name for name, _ in fsdd_members(5)]
    singles = [{"audio": [{"path": FSDD, "member": n}]} for n in names]
    composed = {"audio": [{"path": FSDD, "member": n} for n in names[:3]],
                "gaps": [120, 800, 40, 333]}
    return singles + [composed]


@pytest.mark.parametrize("config", [
    AudioInput(sample_rate=8000, mel_bins=40),
    AudioInput(sample_rate=8000, mel_bins=32, mfcc=13, deltas=2, frame_length_ms=30,
               frame_step_ms=15, upper_hz=3800),
])
def test_served_features_equal_the_training_features(fsdd_records, config):
    stats = fit_statistics(config, raw_dataset(fsdd_records), 0)
    prep = MeasurementPrep(config, 0, stats["mean"], stats["std"])
    trained = [(ex["features"].numpy(), int(ex["lengths"]))
               for ex in examples(prep, fsdd_records, training=False)]
    # the export's path: whole WAV files (a composed record written as one), one batch
    wavs = tf.constant([wav_bytes(r) for r in fsdd_records])
    features, lengths = prep.encode(*prep.encoder.decode(wavs))
    features, lengths = features.numpy(), lengths.numpy()
    assert features.shape[-1] == config.feature_size()
    for i, (x, n) in enumerate(trained):
        assert lengths[i] == n == len(x)
        np.testing.assert_allclose(features[i, :n], x, atol=2e-5)
        assert not features[i, n:].any()                      # padded frames are 0
    # standardized with the training statistics: about zero mean, unit deviation
    real = np.concatenate([x for x, _ in trained])
    assert abs(real.mean()) < 0.05 and abs(real.std() - 1) < 0.05


def test_padding_a_recording_changes_no_feature():
    front = AudioFrontEnd(AudioInput(sample_rate=8000, deltas=2))
    rng = np.random.default_rng(0)
    short = rng.normal(size=1234).astype("float32") * 0.1
    alone, n = front(tf.constant(short[None]), tf.constant([1234]))
    padded = np.concatenate([short, rng.normal(size=3000).astype("float32")])[None]
    # the garbage past the length must be zeroed first, as the served from_samples does
    padded[0, 1234:] = 0
    batch, m = front(tf.constant(padded), tf.constant([1234]))
    assert int(n[0]) == int(m[0]) == 16                       # ceil(1234 / 80) frames
    np.testing.assert_allclose(batch[0, :16], alone[0], atol=1e-5)
    assert not np.asarray(batch[0, 16:]).any()


def test_deltas_repeat_each_sequences_own_edges():
    x = tf.constant(np.arange(6, dtype="float32").reshape(1, 6, 1) ** 2)
    d = deltas(x, tf.constant([4])).numpy()[0, :4, 0]
    # frames 0..3 hold 0, 1, 4, 9; past frame 3 the last real frame (9) repeats
    padded = np.array([0, 0, 0, 1, 4, 9, 9, 9], dtype="float32")
    want = [sum(k * (padded[t + 2 + k] - padded[t + 2 - k]) for k in (1, 2)) / 10
            for t in range(4)]
    np.testing.assert_allclose(d, want, rtol=1e-6)


@pytest.mark.parametrize("data, phrase", [
    (synthetic(channels=2), "more than one channel"),
    (synthetic(rate=16000), "sample rate is not 8000 Hz"),
    (synthetic(width=1), "Can only read 16-bit WAV files"),
    (synthetic()[:30], "Data too short"),
])
def test_bad_audio_fails_the_served_request_with_its_reason(data, phrase):
    front = AudioFrontEnd(AudioInput(sample_rate=8000))
    decode = tf.function(front.decode)
    with pytest.raises(tf.errors.InvalidArgumentError, match=phrase):
        decode(tf.constant([synthetic(), data]))
