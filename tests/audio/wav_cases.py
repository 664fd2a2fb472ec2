"""Real FSDD recordings and the bad WAV files ingest must reject, for the tests.

The good recordings are a tiny slice of ``../shared/data/fsdd/recordings.zip``; the bad
ones are written with Python's ``wave`` module (a stereo, an 8-bit, a 16 kHz file), or
are a real recording cut short (truncated header, truncated data) or empty.
"""

from __future__ import annotations

import io
import wave
import zipfile

import numpy as np

from tests.pipeline_helpers import require_shared

FSDD = "fsdd/recordings.zip"


def fsdd_members(n: int = 6, index: str | None = None) -> list[tuple[str, bytes]]:
    """The first ``n`` (name, bytes) recordings of FSDD (of recording ``index`` only
    when given), sorted by name."""
    path = require_shared(FSDD)
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".wav")
                       and (index is None or n.endswith(f"_{index}.wav")))
        return [(name, archive.read(name)) for name in names[:n]]


def synthetic(channels: int = 1, width: int = 2, rate: int = 8000, frames: int = 800,
              seed: int = 0) -> bytes:
    """A WAV file of random samples with the given layout."""
    rng = np.random.default_rng(seed)
    dtype = {1: np.uint8, 2: "<i2", 4: "<i4"}[width]
    data = rng.integers(0, 100, size=frames * channels).astype(dtype)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return out.getvalue()


def bad_files(good: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, a phrase of the reject reason)."""
    return {
        "empty.wav": (b"", "empty file"),
        "stereo.wav": (synthetic(channels=2), "2 channels"),
        "eight_bit.wav": (synthetic(width=1), "8-bit samples"),
        "wrong_rate.wav": (synthetic(rate=16000), "sample rate 16000 Hz"),
        "truncated_header.wav": (good[:30], "truncated or damaged"),
        "truncated_data.wav": (good[:len(good) // 2], "truncated: the header announces"),
        "not_a_wav.wav": (b"ID3 this is an mp3" * 4, "not a WAV file"),
    }
