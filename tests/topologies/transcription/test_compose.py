"""Composed spoken sequences: seeded, one speaker each, test ones from test recordings."""

from __future__ import annotations

from seqkeras.topologies.transcription.compose import compose_all
from seqkeras.topologies.transcription.spec import ComposeSpec


def recordings(split: str, speakers=("ann", "bob"), digits="0123") -> list[dict]:
    return [{"audio": [{"path": "z.zip", "member": f"{d}_{s}_{split}.wav"}],
             "samples": 1000 + int(d), "label": d, "speaker": s, "name": f"{d}_{s}_{split}.wav"}
            for s in speakers for d in digits]


def test_sequences_are_seeded_per_split_and_never_mix_splits_or_speakers():
    compose = ComposeSpec(min_items=1, max_items=4, train=50, val=5, test=20,
                          words={"0": "zero", "1": "one"})
    splits = {s: recordings(s) for s in ("train", "val", "test")}
    a = compose_all(splits, compose, 8000, seed=3)
    assert a == compose_all(splits, compose, 8000, seed=3)
    assert a != compose_all(splits, compose, 8000, seed=4)
    assert [len(a[s]) for s in ("train", "val", "test")] == [50, 5, 20]
    for split, sequences in a.items():
        for r in sequences:
            members = [ref["member"] for ref in r["audio"]]
            assert all(m.endswith(f"_{split}.wav") for m in members)        # own split only
            assert len({m.split("_")[1] for m in members}) == 1             # one speaker
            assert 1 <= r["items"] == len(members) <= 4 and len(r["gaps"]) == len(members) + 1
            assert all(400 <= g <= 2400 for g in r["gaps"])                 # 50-300 ms
            words = r["target"].split()
            assert words == [{"0": "zero", "1": "one"}.get(m[0], m[0]) for m in members]
            assert r["samples"] == sum(1000 + int(m[0]) for m in members) + sum(r["gaps"])
    assert {r["items"] for r in a["train"]} == {1, 2, 3, 4}
