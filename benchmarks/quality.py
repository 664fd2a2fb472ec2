"""Quality of every trained pipeline beside the published figures we compete with.

    python -m benchmarks.quality            # reads data/<pipeline>/train/metrics.json
    python -m benchmarks.quality --only activity spoken_digits --key measurements
                                            # a section of its own for a few pipelines

Only measured numbers from this checkout's own train stages go in the table; a pipeline
that has not been trained here is listed as such. References are the anchors of
DESIGN.md (published figures; their data or splits may differ, as noted)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.machine import cpu_model, load_average, usable_cores
from benchmarks.results import fmt, table, write_section

#: pipeline -> (headline metric, how to read it, [(reference, figure, note)])
ANCHORS = {
    "imdb_sentiment": ("test_accuracy", "test accuracy (25k official test reviews)", [
        ("keras-io bidirectional_lstm_imdb, 2xBiLSTM(64), 2 epochs", 0.843, "val accuracy"),
        ("Deep Learning with Python 3e, BiLSTM from scratch", 0.844, "test"),
        ("Deep Learning with Python 3e, bigram linear model", 0.901, "test, not an RNN"),
    ]),
    "conll2003_ner": ("test_entity_f1", "entity F1, CoNLL semantics (official test split)", [
        ("keras-io ner_transformers, small Transformer from scratch", 0.679, "val F1"),
        ("Lample et al. 2016, BiLSTM-CRF + char features + pretrained embeddings", 0.909,
         "test F1"),
    ]),
    "beijing_pm25": ("test_mae_step_24", "MAE of PM2.5 at the 24-hour step (ug/m3, test span)", [
        ("DLwP 3e ch. 13, Jena temperature 24 h ahead: LSTM / naive", 2.45 / 2.62,
         "skill ratio on other data"),
    ]),
    "melbourne_temp": ("test_mae", "MAE of daily minimum temperature (deg C, test span)", []),
    "quickstart": ("test_accuracy", "test accuracy (census first names, girl/boy)", []),
    "names": ("test_nll_per_char", "test NLL, nats per character ([END] included)", [
        ("makemore WaveNet, names.txt", 1.99, "test NLL"),
        ("makemore Transformer, names.txt", 1.92, "test NLL"),
    ]),
    "chorales": ("test_nll_per_step", "test NLL per time step, nats (88 independent keys)", [
        ("Chung et al. 2014, GRU-RNN, JSB chorales (via paperswithcode)", 8.54,
         "test NLL per step, same split and frames"),
    ]),
    "translate_en_fr": ("test_bleu", "corpus BLEU, English -> French (sacrebleu, Tatoeba held-out "
                        "pairs, beam 4)", [
        ("keras-io lstm_seq2seq, char LSTM(256), 10k pairs", 0.877,
         "per-character val accuracy, not a BLEU; no published BLEU on this split"),
    ]),
    "translate_en_fr_no_attention": ("test_bleu", "corpus BLEU, the same model and training budget "
                                     "without attention",
                                     []),
    "translate_en_fr_wordpiece": ("test_bleu", "corpus BLEU, translate_en_fr with WordPiece "
                                  "subwords on both sides", []),
    "activity": ("test_accuracy", "test accuracy (UEA BasicMotions, the 40 official test "
                 "sequences)", [
        ("sktime/UEA benchmarks, many classifiers on BasicMotions", 1.0, "test accuracy"),
    ]),
    "spoken_digits": ("test_accuracy", "test accuracy (FSDD, official split: recording index "
                      "0-4, 300 recordings)", [
        ("small CNN on MFCCs (FSDD published models)", 0.97, "test accuracy"),
        ("BiLSTM on spectrograms (FSDD published models)", 0.96, "test F1"),
    ]),
    "spoken_digit_sequences": ("test_wer", "test word error rate (1,000 sequences of 1-5 digits "
                               "composed from the official test recordings)", [
        ("issue 12 target", 0.05, "WER at most"),
    ]),
}

#: extra measured columns shown when present
EXTRAS = ["test_perplexity", "test_novel_share", "test_nll_per_step_after_first",
          "test_frame_accuracy", "test_bleu_greedy", "test_bleu_multi_ref", "test_chrf",
          "test_chrf_multi_ref", "test_exact_match",
          "test_exact_match_any", "test_macro_f1", "test_entity_precision", "test_entity_recall", "test_token_accuracy",
          "test_naive_mae_step_24", "test_skill_vs_naive", "test_naive_mae",
          "test_seasonal_naive_mae", "test_cer", "test_sentence_accuracy", "test_wer_greedy",
          "train_seconds", "epochs_run"]


def collect(data_dir: Path, pipelines_dir: Path, only: list[str] | None = None) -> list[dict]:
    rows = []
    for spec_path in sorted(pipelines_dir.glob("*.yaml")):
        name = spec_path.stem
        if only and name not in only:
            continue
        metrics_path = data_dir / name / "train" / "metrics.json"
        stage_path = data_dir / name / "train" / "_stage.json"
        metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
        finished = json.loads(stage_path.read_text()).get("finished") if stage_path.exists() else None
        rows.append({"pipeline": name, "metrics": metrics, "finished": finished})
    return rows


def render(rows: list[dict], title: str = "Quality of each pipeline next to the anchors",
           command: str = "python -m benchmarks.quality") -> str:
    out = [f"## {title}", "",
           f"Written by `{command}` on {time.strftime('%Y-%m-%d %H:%M %Z')} "
           "from each pipeline's own `data/<pipeline>/train/metrics.json` (measured by its "
           "train stage, finished at the time shown).", "",
           f"- Machine: {cpu_model()}, {usable_cores()} usable cores, CPU only (shared with "
           f"other jobs; load average {load_average()} when this section was written)", ""]
    body = []
    for row in rows:
        name, metrics = row["pipeline"], row["metrics"]
        headline, meaning, refs = ANCHORS.get(name, ("test_accuracy", "", []))
        if metrics is None:
            body.append([f"`{name}`", meaning, "not trained here", "", ""])
            continue
        value = metrics.get(headline)
        extras = ", ".join(f"{k.removeprefix('test_')} {fmt(float(metrics[k]))}"
                           for k in EXTRAS if k in metrics)
        body.append([f"`{name}`", meaning or headline, fmt(float(value)) if value is not None
                     else "n/a", extras, row["finished"] or ""])
    out.append(table(["pipeline", "headline metric", "measured", "also measured", "trained"],
                     body, "lllll"))
    out += ["", "Published anchors (not measured here):", ""]
    shown = {row["pipeline"] for row in rows}
    ref_rows = [[f"`{name}`", ref, fmt(figure), note]
                for name, (_, _, refs) in ANCHORS.items() if name in shown
                for ref, figure, note in refs]
    out.append(table(["pipeline", "reference", "figure", "note"], ref_rows, "llrl"))
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default="data", help="stage outputs (default: data)")
    p.add_argument("--pipelines", default="pipelines", help="pipeline YAMLs (default: pipelines)")
    p.add_argument("--out", default="benchmarks/RESULTS.md", help="results file")
    p.add_argument("--only", nargs="+", metavar="PIPELINE",
                   help="just these pipelines (default: every pipelines/*.yaml)")
    p.add_argument("--key", default="quality", help="RESULTS.md section (default: quality)")
    args = p.parse_args(argv)
    rows = collect(Path(args.data_dir), Path(args.pipelines), args.only)
    if args.only:
        command = (f"python -m benchmarks.quality --only {' '.join(args.only)} "
                   f"--key {args.key}")
        body = render(rows, f"Quality of {', '.join(args.only)} next to the anchors", command)
    else:
        body = render(rows)
    write_section(args.out, args.key, body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
