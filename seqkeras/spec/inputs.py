"""What a record's input is: text, a ``[T, F]`` sequence of measurements, or audio.

The ``input`` section is ``tokenize``'s counterpart for data whose steps are vectors of
numbers rather than words (the seeds' speech recognition, activity recognition from
sensors, DNA). It is a union on ``kind``:

* ``text`` (the default): the record is text, split by the ``tokenize`` section;
* ``numeric``: each record is a ``[T, F]`` sequence of floats (jsonl lists of lists, UEA
  ``.ts``, long CSV, ``.npy``/``.npz``), standardized per feature with statistics of the
  training split, inside the graph;
* ``audio``: each record is a mono 16-bit PCM WAV recording; the front-end (STFT,
  log-mel, optionally MFCC and deltas) runs inside the graph with core TF ops only, so
  TF Serving computes it and clients send raw audio.

Topologies that read measurements declare ``input`` in their ``spec.py``; the other
topologies do not have the section, so setting it there is an unknown key that names
the topologies that read it. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Discriminator, Field, Tag, model_validator
from typing_extensions import Annotated

from seqkeras.spec.problems import Problem, not_applicable
from seqkeras.spec.sections import Section

#: Source keys only measurement sources read (``data.sources[].<key>``).
MEASUREMENT_SOURCE_KEYS = ("data.sources[].sequence_field", "data.sources[].step_field",
                           "data.sources[].feature_fields", "data.sources[].name_pattern",
                           "data.sources[].split_patterns", "data.sources[].audio_field")
#: Source formats by input kind (``auto`` guesses from the file name).
NUMERIC_FORMATS = ("ts", "long_csv", "npz", "jsonl", "auto")
AUDIO_FORMATS = ("wav",)
#: The union's tags name the branch in error locations; ``seqkeras.spec.messages`` drops
#: the part of a key path that starts with this prefix.
TAG_PREFIX = "kind:"


class TextInput(Section):
    """The input is text, split into tokens by the ``tokenize`` section."""

    kind: Literal["text"] = "text"


class NumericInput(Section):
    """Each record is a ``[T, F]`` sequence of floats (T steps, F features a step)."""

    kind: Literal["numeric"] = "numeric"
    #: Standardize each feature with the mean and standard deviation of the training
    #: split's steps (inside the graph: served inputs are raw values).
    normalize: bool = True
    #: Steps kept of a longer sequence (None: all).
    max_length: Optional[int] = Field(2000, gt=0, le=1_000_000)
    #: Which end to keep when a sequence is cut.
    truncate: Literal["keep_start", "keep_end"] = "keep_start"


class NoiseAugment(Section):
    """White noise added to training recordings at a signal-to-noise ratio drawn
    uniformly from [min_snr_db, max_snr_db] (relative to the recording's power)."""

    min_snr_db: float = Field(10.0, ge=-20, le=100)
    max_snr_db: float = Field(40.0, ge=-20, le=100)
    #: Share of training examples that get noise.
    probability: float = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.min_snr_db > self.max_snr_db:
            raise ValueError("min_snr_db must not exceed max_snr_db")
        return self


class AudioAugment(Section):
    """Training-time augmentation (never applied to validation, test or served audio)."""

    #: Shift each recording by a random offset of up to this many milliseconds, either
    #: way (silence fills in; 0: off).
    time_shift_ms: float = Field(0.0, ge=0, le=10_000)
    #: Background noise (None: off).
    noise: Optional[NoiseAugment] = None
    #: SpecAugment (Park et al. 2019): this many masks of up to ``time_mask_frames``
    #: consecutive frames, and of up to ``freq_mask_bins`` consecutive feature bins,
    #: set to the training mean (0 after normalization).
    time_masks: int = Field(0, ge=0, le=20)
    time_mask_frames: int = Field(10, ge=1, le=1000)
    freq_masks: int = Field(0, ge=0, le=20)
    freq_mask_bins: int = Field(4, ge=1, le=256)


class AudioInput(Section):
    """Each record is a mono 16-bit PCM WAV recording at ``sample_rate``; features are
    computed in-graph: STFT -> mel filter bank -> log -> (MFCC) -> (deltas) ->
    per-feature standardization."""

    kind: Literal["audio"] = "audio"
    #: Recordings at another rate are rejected at ingest (and refused when served).
    sample_rate: int = Field(16000, ge=1000, le=192_000)
    #: Longer recordings are rejected at ingest (served ones are cut to this length).
    max_seconds: float = Field(10.0, gt=0, le=3600)
    #: Analysis window and hop of the short-time Fourier transform.
    frame_length_ms: float = Field(25.0, gt=0, le=1000)
    frame_step_ms: float = Field(10.0, gt=0, le=1000)
    #: FFT size (None: the next power of two at or above the frame length in samples).
    fft_length: Optional[int] = Field(None, ge=16, le=65_536)
    #: Triangular mel filters between ``lower_hz`` and ``upper_hz`` (None: Nyquist).
    mel_bins: int = Field(40, ge=1, le=512)
    lower_hz: float = Field(20.0, ge=0, le=96_000)
    upper_hz: Optional[float] = Field(None, gt=0, le=96_000)
    #: Keep the first this many MFCCs (DCT-II of the log-mel energies) instead of the
    #: log-mel energies (0: log-mel).
    mfcc: int = Field(0, ge=0, le=512)
    #: Append first (1) or first and second (2) order deltas (regression over +-2 frames).
    deltas: int = Field(0, ge=0, le=2)
    #: Standardize each feature with statistics of the training split's frames.
    normalize: bool = True
    augment: AudioAugment = AudioAugment()

    def frame_samples(self) -> tuple[int, int, int]:
        """(frame length, frame step, FFT length) in samples."""
        length = max(1, round(self.sample_rate * self.frame_length_ms / 1000))
        step = max(1, round(self.sample_rate * self.frame_step_ms / 1000))
        fft = self.fft_length or 1 << (length - 1).bit_length()
        return length, step, fft

    def feature_size(self) -> int:
        """Features a frame: ``mfcc`` or ``mel_bins``, times 1 + ``deltas``."""
        return (self.mfcc or self.mel_bins) * (1 + self.deltas)

    @model_validator(mode="after")
    def _consistent(self):
        nyquist = self.sample_rate / 2
        upper = self.upper_hz if self.upper_hz is not None else nyquist
        if upper > nyquist:
            raise ValueError(f"upper_hz {upper:g} is above the Nyquist frequency {nyquist:g} "
                             f"of sample_rate {self.sample_rate}")
        if self.lower_hz >= upper:
            raise ValueError(f"lower_hz {self.lower_hz:g} must be below upper_hz {upper:g}")
        if self.mfcc > self.mel_bins:
            raise ValueError(f"mfcc {self.mfcc} exceeds mel_bins {self.mel_bins}: the MFCCs "
                             "are the DCT of the mel energies")
        if self.frame_step_ms > self.frame_length_ms:
            raise ValueError("frame_step_ms exceeds frame_length_ms: samples between frames "
                             "would never be read")
        length, _, fft = self.frame_samples()
        if fft < length:
            raise ValueError(f"fft_length {fft} is shorter than a frame ({length} samples)")
        if self.max_seconds * 1000 < self.frame_length_ms:
            raise ValueError("max_seconds is shorter than one frame")
        return self


def _kind_of(value) -> str:
    kind = value.get("kind", "text") if isinstance(value, dict) else getattr(value, "kind", "")
    return f"{TAG_PREFIX}{kind}"


#: The ``input`` section: one of the kinds, chosen by ``kind``.
InputSpec = Annotated[
    Union[Annotated[TextInput, Tag(f"{TAG_PREFIX}text")],
          Annotated[NumericInput, Tag(f"{TAG_PREFIX}numeric")],
          Annotated[AudioInput, Tag(f"{TAG_PREFIX}audio")]],
    Discriminator(_kind_of)]
#: Measurements only (no text): the input of the transcription topology.
MeasurementInputSpec = Annotated[
    Union[Annotated[NumericInput, Tag(f"{TAG_PREFIX}numeric")],
          Annotated[AudioInput, Tag(f"{TAG_PREFIX}audio")]],
    Discriminator(_kind_of)]


def input_problems(spec, text_only_keys=("tokenize",),
                   measurement_only_keys=("model.frame_stack", "model.input_units")) -> list[Problem]:
    """Problems between ``spec.input`` and the rest of the spec (shared by the topologies
    that declare ``input``): each source's format must fit the input kind; keys that only
    text inputs read (``text_only_keys``) or only measurements read
    (``measurement_only_keys``) must not be set for the other kind."""
    kind = spec.input.kind
    problems = []
    for i, source in enumerate(spec.data.sources):
        loc = ("data", "sources", i, "format")
        if kind == "text" and source.format in NUMERIC_FORMATS[:3] + AUDIO_FORMATS:
            problems.append(Problem(loc, f"format {source.format!r} holds measurements, but "
                                         "input.kind is text: set input.kind to "
                                         f"{'audio' if source.format == 'wav' else 'numeric'}"))
        elif kind == "numeric" and source.format not in NUMERIC_FORMATS:
            problems.append(Problem(loc, f"input.kind numeric reads [T, F] sequences from "
                                         f"{', '.join(NUMERIC_FORMATS[:-1])}, not "
                                         f"{source.format!r}"))
        elif kind == "numeric" and source.format == "jsonl" and source.sequence_field is None:
            problems.append(Problem(loc[:-1] + ("sequence_field",),
                                    "a jsonl source of numeric sequences needs sequence_field: "
                                    "the field holding each record's [T, F] list of lists"))
        elif kind == "audio" and source.format not in AUDIO_FORMATS:
            problems.append(Problem(loc, "input.kind audio reads WAV recordings: set format: "
                                         "wav (a zip or folder of .wav files, or a csv/tsv/"
                                         "jsonl manifest naming them)"))
    if kind == "text":
        problems += not_applicable(spec, measurement_only_keys + MEASUREMENT_SOURCE_KEYS,
                                   "input.kind is text")
    else:
        problems += not_applicable(spec, text_only_keys, f"input.kind is {kind}: the steps "
                                                         "are measurements, not tokens")
    return problems


#: Suffixes of WAV manifests (tables naming the recordings) rather than recordings.
MANIFEST_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")


def is_manifest(path: str) -> bool:
    """Whether a wav source's path is a manifest (csv/tsv/jsonl naming WAV files)."""
    lower = path.lower().removesuffix(".gz")
    return lower.endswith(MANIFEST_SUFFIXES)


def wav_label_problems(spec) -> list[Problem]:
    """A zip or folder of WAV files has no fields: its labels come from ``label`` or the
    ``name_pattern`` (which then needs a group to take it from)."""
    import re

    problems = []
    for i, source in enumerate(spec.data.sources):
        if source.format != "wav" or is_manifest(source.path) or source.label is not None:
            continue
        loc = ("data", "sources", i, "name_pattern")
        if source.name_pattern is None:
            problems.append(Problem(loc, "the WAV files of this source get no label: set "
                                         "name_pattern (a regex whose group 'label' is taken "
                                         "from each file name) or label (one for all)"))
        elif not re.compile(source.name_pattern).groups:
            problems.append(Problem(loc, "name_pattern has no group to take the label from: "
                                         "write (?P<label>...) around it"))
    return problems


def measurement_format_problems(spec) -> list[Problem]:
    """Sources in a measurement format (ts, long_csv, npz, wav) given to a topology that
    has no ``input`` section (it reads text only)."""
    if "input" in type(spec).model_fields:
        return []
    return [Problem(("data", "sources", i, "format"),
                    f"format {s.format!r} holds measurements, but topology {spec.topology} "
                    "reads text; many_to_one and transcription read measurements")
            for i, s in enumerate(spec.data.sources) if s.format in MEASUREMENT_FORMATS]


#: Formats that only measurement inputs read.
MEASUREMENT_FORMATS = ("ts", "long_csv", "npz", "wav")
