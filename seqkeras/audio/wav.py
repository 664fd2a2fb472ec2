"""WAV files checked and read in Python (no TensorFlow): what ingest rejects and why.

The served graph decodes WAV bytes with ``tf.audio.decode_wav``, which reads 16-bit PCM
only and silently keeps the first channel of a stereo file. Ingest therefore checks
every file the way that decoder will see it and rejects, with the file and one reason,
what it could not read or would read wrongly: no data, not RIFF/WAVE, a compressed or
float format, 8/24/32-bit samples, more than one channel, another sample rate, a data
chunk shorter than its header says (a truncated file), or a recording longer than
``input.max_seconds``. Python's ``wave`` module parses the header.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

#: The one sample format tf.audio.decode_wav reads.
SAMPLE_WIDTH = 2
#: decode_wav's scale: an int16 sample s becomes the float s / 32768.
PCM16_SCALE = 32768.0


class WavError(ValueError):
    """A WAV file that cannot be used; the message is the reject reason (one line)."""


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header says: ``channels``, ``sample_width`` (bytes a sample),
    ``sample_rate`` (Hz) and ``frames`` (samples a channel)."""

    channels: int
    sample_width: int
    sample_rate: int
    frames: int

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def inspect_wav(data: bytes) -> WavInfo:
    """Parse a WAV file's header. Raises WavError (empty, not a WAV file, not PCM,
    truncated header or data)."""
    if not data:
        raise WavError("empty file (0 bytes)")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError("not a WAV file (no RIFF/WAVE header)")
    try:
        with wave.open(io.BytesIO(data)) as w:
            info = WavInfo(w.getnchannels(), w.getsampwidth(), w.getframerate(),
                           w.getnframes())
            held = len(w.readframes(info.frames)) // max(info.channels * info.sample_width, 1)
    except (wave.Error, EOFError) as exc:
        text = str(exc) or type(exc).__name__
        if "unknown format" in text:
            raise WavError(f"not 16-bit PCM ({text}: compressed or float samples); "
                           "convert to 16-bit PCM") from None
        raise WavError(f"unreadable WAV header ({text}): truncated or damaged file") from None
    if held < info.frames:
        raise WavError(f"truncated: the header announces {info.frames} samples, the file "
                       f"holds {held}")
    return info


def check_wav(data: bytes, sample_rate: int, max_seconds: float) -> WavInfo:
    """:func:`inspect_wav`, then what the in-graph front-end needs: mono 16-bit PCM at
    ``sample_rate`` Hz, at least one sample, at most ``max_seconds`` long. Raises WavError
    naming what is wrong and what to do."""
    info = inspect_wav(data)
    if info.sample_width != SAMPLE_WIDTH:
        raise WavError(f"{8 * info.sample_width}-bit samples: the in-graph decoder "
                       "(tf.audio.decode_wav) reads 16-bit PCM only; convert the file")
    if info.channels != 1:
        raise WavError(f"{info.channels} channels: the front-end reads mono recordings; "
                       "mix the channels down to one")
    if info.sample_rate != sample_rate:
        raise WavError(f"sample rate {info.sample_rate} Hz, but input.sample_rate is "
                       f"{sample_rate} Hz; resample the file or change input.sample_rate")
    if info.frames == 0:
        raise WavError("no samples (an empty recording)")
    if info.seconds > max_seconds:
        raise WavError(f"{info.seconds:.2f} s long, more than input.max_seconds "
                       f"({max_seconds:g} s)")
    return info


def read_pcm16(data: bytes):
    """The int16 samples ``[frames]`` (a numpy array) of a mono 16-bit WAV file (check it
    first)."""
    import numpy as np  # here: checking files (ingest, validate) needs no numpy

    with wave.open(io.BytesIO(data)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def write_wav(samples, sample_rate: int) -> bytes:
    """Mono 16-bit PCM WAV bytes of int16 ``samples`` ``[frames]`` at ``sample_rate``."""
    import numpy as np

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(sample_rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return out.getvalue()
