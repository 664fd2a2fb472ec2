"""``auto`` against the former fixed defaults on a short YAML (RESULTS.md, "Data-aware
defaults").

    python -m benchmarks.auto_defaults benchmarks/pipelines/auto/sms_spam.yaml auto
    python -m benchmarks.auto_defaults benchmarks/pipelines/auto/sms_spam.yaml fixed
    python -m benchmarks.auto_defaults YAML NAME '{"tokenize.min_frequency": 1}'

``auto`` runs the YAML as written; ``fixed`` writes the values the settings had before
``auto`` (``seqkeras.spec.auto.FIXED``) into every section that does not set them; any
other NAME runs it as written plus the JSON overrides (dotted ``section.key``). The run
is ``seqkeras run`` of a copy named ``<yaml stem>_<NAME>`` under ``--data-dir``; one JSON
line comes out with the test and baseline figures and the run's ``auto:`` line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

from seqkeras.spec.auto import FIXED

SECTIONS = {"tokenize": ("max_tokens", "min_frequency", "max_length"),
            "model": ("embedding_dim", "units"), "train": ("batch_size", "epochs")}
#: The tagger's model settings that are auto too (``seqkeras.spec.auto_tagging``).
TAGGER_KEYS = ("bidirectional", "crf", "char_embedding_dim", "char_encoder", "char_units",
               "casing_dim", "word_dropout")


def variant(raw: dict, name: str, overrides: dict) -> dict:
    raw = json.loads(json.dumps(raw))
    if name == "fixed":
        sections = dict(SECTIONS)
        if raw.get("topology") == "many_to_many":
            sections["model"] = SECTIONS["model"] + TAGGER_KEYS
        for section, keys in sections.items():
            for key in keys:
                raw.setdefault(section, {}).setdefault(key, FIXED[key])
    for dotted, value in overrides.items():
        section, dot, key = dotted.partition(".")
        if dot:
            raw.setdefault(section, {})[key] = value
        else:  # a top-level key (seed, name ...)
            raw[section] = value
    return raw


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.auto_defaults", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("yaml", type=Path, help="a short pipeline YAML")
    parser.add_argument("name", help="auto, fixed, or any name for a run with OVERRIDES")
    parser.add_argument("overrides", nargs="?", default="{}",
                        help='JSON of dotted keys (or top-level ones), e.g. '
                             '\'{"tokenize.min_frequency": 1, "seed": 2}\'')
    parser.add_argument("data_dir", nargs="?", type=Path, default=Path("data"),
                        help="where the run's stage outputs go (default: data)")
    args = parser.parse_args(argv)
    src, name, data_dir = args.yaml, args.name, args.data_dir
    try:
        overrides = json.loads(args.overrides)
    except ValueError as exc:
        parser.error(f"OVERRIDES is not JSON ({exc}): write e.g. '{{\"train.epochs\": 3}}'")
    raw = variant(yaml.safe_load(src.read_text(encoding="utf-8")), name, overrides)
    raw["name"] = f"{src.stem}_{name}"
    spec = data_dir / "_auto_defaults" / f"{raw['name']}.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    started = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "seqkeras.cli", "run", str(spec),
                        "--data-dir", str(data_dir)], capture_output=True, text=True)
    out = p.stdout + p.stderr
    metrics_path = data_dir / raw["name"] / "train" / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if p.returncode == 0 else {}
    lines = [line.split("] ", 1)[-1] for line in out.splitlines() if "] auto:" in line]
    print(json.dumps({"name": raw["name"], "rc": p.returncode,
                      "wall_s": round(time.monotonic() - started),
                      **{k: v for k, v in metrics.items()
                         if k.startswith(("test_", "baseline_test_", "skill_", "epochs_run"))},
                      "auto": lines[-1] if lines else ""}))
    return p.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
