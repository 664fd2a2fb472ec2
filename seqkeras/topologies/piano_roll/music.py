"""Piano-roll frames, note names, MIDI files and piano-roll pictures (numpy, no TensorFlow).

A chorale is a list of time steps, each the MIDI pitches sounding then (Boulanger-Lewandowski
2012 layout, quarter-note steps). The model sees each step as an 88-key multi-hot frame
(MIDI 21 = A0 .. 108 = C8), the representation the published JSB log-likelihoods use.
Served output lists at most ``VOICES`` pitches a step (the four chorale voices).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: MIDI pitch of the lowest piano key (A0) and the number of keys.
LOW_PITCH = 21
KEYS = 88
HIGH_PITCH = LOW_PITCH + KEYS - 1
#: Chorales are four-part (SATB): served frames sound at most this many notes.
VOICES = 4
#: MIDI files: one step is a quarter note at this tempo.
BPM = 90
NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def check_step(step) -> str | None:
    """Why a time step is malformed (None when it is a list of piano-range MIDI pitches)."""
    if not isinstance(step, list):
        return f"a time step must be a list of MIDI pitches, got {type(step).__name__}"
    for p in step:
        if isinstance(p, bool) or not isinstance(p, int):
            return f"pitch {p!r} is not an integer"
        if not LOW_PITCH <= p <= HIGH_PITCH:
            return f"pitch {p} outside the piano range {LOW_PITCH}..{HIGH_PITCH}"
    return None


def to_roll(steps: list[list[int]]) -> np.ndarray:
    """Time steps of pitches -> [T, 88] float32 multi-hot frames."""
    roll = np.zeros((len(steps), KEYS), np.float32)
    for t, step in enumerate(steps):
        for p in step:
            if LOW_PITCH <= p <= HIGH_PITCH:
                roll[t, p - LOW_PITCH] = 1.0
    return roll


def pitches_to_roll(pitches: np.ndarray) -> np.ndarray:
    """[..., V] pitches (-1 = silent voice, out-of-range ignored) -> [..., 88] frames."""
    pitches = np.asarray(pitches)
    roll = np.zeros(pitches.shape[:-1] + (KEYS,), np.float32)
    index = np.indices(pitches.shape[:-1])
    for v in range(pitches.shape[-1]):
        p = pitches[..., v]
        ok = (p >= LOW_PITCH) & (p <= HIGH_PITCH)
        roll[tuple(i[ok] for i in index) + (p[ok] - LOW_PITCH,)] = 1.0
    return roll


def roll_to_steps(roll: np.ndarray) -> list[list[int]]:
    """[T, 88] frames -> time steps of pitches, high to low."""
    return [sorted((int(k) + LOW_PITCH for k in np.flatnonzero(frame > 0)), reverse=True)
            for frame in np.asarray(roll)]


def note_name(pitch: int) -> str:
    """60 -> 'C4' (scientific pitch notation); -1 -> '-'."""
    if pitch < 0:
        return "-"
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def midi_bytes(steps: list[list[int]], bpm: int = BPM, program: int = 19) -> bytes:
    """A one-track MIDI file (General MIDI program 19: church organ). A pitch sounding at
    consecutive steps is one held note: the data does not tell held from repeated notes."""
    import io

    import pretty_midi

    seconds = 60.0 / bpm
    pm = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    track = pretty_midi.Instrument(program=program, name="chorale")
    held: dict[int, int] = {}
    for t, step in enumerate(list(steps) + [[]]):
        now = set(step)
        for p in [p for p in held if p not in now]:
            track.notes.append(pretty_midi.Note(velocity=80, pitch=p, start=held.pop(p) * seconds,
                                                end=t * seconds))
        for p in now:
            held.setdefault(p, t)
    pm.instruments.append(track)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


def write_midi(steps: list[list[int]], path: Path) -> Path:
    """Write :func:`midi_bytes` of the time steps to ``path``; returns the path."""
    Path(path).write_bytes(midi_bytes(steps))
    return Path(path)


def plot_rolls(rolls: list[np.ndarray], titles: list[str], path: Path) -> Path:
    """One piano-roll panel per sequence (time across, pitch up), as a PNG."""
    from seqkeras import plots

    plt = plots.plt
    fig, axes = plt.subplots(len(rolls), 1, figsize=(10, 2.2 * len(rolls)), squeeze=False)
    for ax, roll, title in zip(axes[:, 0], rolls, titles):
        roll = np.asarray(roll)
        ax.imshow(roll.T, aspect="auto", origin="lower", cmap="Greys", interpolation="nearest",
                  extent=(0, max(len(roll), 1), LOW_PITCH - 0.5, HIGH_PITCH + 0.5))
        ax.set_ylim(36, 90)
        ax.set_ylabel("MIDI pitch")
        ax.set_title(title, fontsize=9)
    axes[-1, 0].set_xlabel("time step (quarter notes)")
    return plots.save(fig, path)
