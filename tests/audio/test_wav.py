"""seqkeras.audio.wav: every bad file gets one clear reason; good files read exactly."""

from __future__ import annotations

import numpy as np
import pytest

from seqkeras.audio.wav import WavError, check_wav, inspect_wav, read_pcm16, write_wav
from tests.audio.wav_cases import bad_files, fsdd_members, synthetic


def test_real_recordings_pass_and_round_trip():
    for name, data in fsdd_members(3):
        info = check_wav(data, 8000, 10.0)
        assert (info.channels, info.sample_width, info.sample_rate) == (1, 2, 8000)
        samples = read_pcm16(data)
        assert len(samples) == info.frames and samples.dtype == np.int16
        again = write_wav(samples, 8000)
        np.testing.assert_array_equal(read_pcm16(again), samples)


@pytest.mark.parametrize("name", sorted(bad_files(b"RIFF" + b"\0" * 100)))
def test_each_bad_file_has_its_reason(name):
    good = fsdd_members(1)[0][1]
    data, phrase = bad_files(good)[name]
    with pytest.raises(WavError, match=phrase.replace("(", r"\(")):
        check_wav(data, 8000, 10.0)


def test_too_long_and_silent_recordings():
    with pytest.raises(WavError, match="more than input.max_seconds"):
        check_wav(synthetic(frames=8000), 8000, 0.5)
    with pytest.raises(WavError, match="no samples"):
        check_wav(synthetic(frames=0), 8000, 10.0)
    assert inspect_wav(synthetic(frames=0)).frames == 0
