"""The ``seqkeras`` command line: validate, run, check-serving, predict, serve-command."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

from seqkeras import __version__  # noqa: E402
from seqkeras.errors import SeqkerasError  # noqa: E402
from seqkeras.io.paths import DATA_ROOT_ENV, DEFAULT_DATA_ROOT  # noqa: E402

STAGE_NAMES = ["ingest", "tokenize", "build", "tune", "train", "export"]

STAGE_HELP = """stages, in order:
  ingest    read the sources, split train/val/test, reject malformed rows, write statistics
  tokenize  learn the vocabulary and labels from the training split
  build     assemble the Keras functional model for the topology; write its summary
  tune      keras-tuner search over the YAML search space (skipped when disabled)
  train     fit with early stopping and checkpoints; evaluate on the test split
  export    write a versioned SavedModel that answers raw inputs, with warmup requests
"""

EPILOG = f"""{STAGE_HELP}
environment:
  {DATA_ROOT_ENV}   where relative data paths resolve (default: {DEFAULT_DATA_ROOT})
  MLFLOW_TRACKING_URI  MLflow store (default: sqlite:///mlruns/mlflow.db)

examples:
  seqkeras validate pipelines/quickstart.yaml
  seqkeras run pipelines/quickstart.yaml               # every stage, skipping unchanged ones
  seqkeras run pipelines/quickstart.yaml --stage train # up to train
  seqkeras check-serving models/quickstart
  seqkeras predict models/quickstart "Mary" "Robert"
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="seqkeras", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Declarative recurrent sequence-model pipelines: YAML in, trained, "
                    "tracked (MLflow) and servable (TF Serving) Keras model out.",
        epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"seqkeras {__version__}")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="check a pipeline YAML (schema and data files)")
    v.add_argument("spec", help="pipeline YAML, e.g. pipelines/imdb_sentiment.yaml")

    r = sub.add_parser("run", help="run the pipeline's stages (unchanged ones are skipped)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=STAGE_HELP)
    r.add_argument("spec", help="pipeline YAML")
    r.add_argument("--stage", choices=STAGE_NAMES, metavar="STAGE",
                   help="run up to and including this stage "
                        "(ingest, tokenize, build, tune, train, export)")
    r.add_argument("--force", action="store_true",
                   help="rerun the selected stage (all stages without --stage) even if unchanged")
    r.add_argument("--no-track", action="store_true", help="do not log to MLflow")
    r.add_argument("--data-dir", default="data", help="where stage outputs go (default: data)")

    c = sub.add_parser("check-serving",
                       help="load the newest export with TF's C++ loader, as TF Serving does")
    c.add_argument("model", help="model base path, e.g. models/imdb_sentiment")

    pr = sub.add_parser("predict", help="answer raw inputs with the newest export")
    pr.add_argument("model", help="model base path, e.g. models/imdb_sentiment")
    pr.add_argument("inputs", nargs="+",
                    help="raw inputs: sentences for text topologies; for sequence_prediction "
                         "a CSV file with a header and at least `lookback` rows")

    s = sub.add_parser("serve-command", help="print the TF Serving docker command for a model")
    s.add_argument("model", help="model base path, e.g. models/imdb_sentiment")
    s.add_argument("--port", type=int, default=8501, help="REST port (default 8501)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address the port is published on (default 127.0.0.1: this machine "
                        "only; 0.0.0.0 exposes the server to the network)")
    return p


def headline(metrics: dict, limit: int = 12) -> dict:
    """The test metrics worth a line: per-step and per-class detail stays in MLflow."""
    main = {k: v for k, v in metrics.items() if k.startswith("test_") and "_step_" not in k}
    return dict(list(main.items())[:limit])


def baseline_line(metrics: dict) -> str | None:
    """"baseline: test_accuracy 0.7700, skill_accuracy -0.0200 (BELOW the baseline)" from
    the train stage's summary (None when no baseline ran)."""
    pairs = [f"{k}={v:.4f}" for k, v in metrics.items()
             if k.startswith(("baseline_test_", "skill_")) and "_step_" not in k]
    if not pairs:
        return None
    verdict = " (BELOW the baseline: see the WARNING above)" \
        if metrics.get("below_baseline") else ""
    return "baseline: " + ", ".join(pairs) + verdict


def serve_command(model: str, port: int = 8501, host: str = "127.0.0.1") -> str:
    """The docker command serving ``model`` over REST on ``host:port`` (the loopback
    address by default: TF Serving has no authentication)."""
    import ipaddress
    import shlex
    from pathlib import Path

    from seqkeras.errors import SeqkerasError

    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise SeqkerasError(f"--host {host!r}: expected an IP address such as 127.0.0.1") \
            from None
    if not 0 < port < 65536:
        raise SeqkerasError(f"--port {port}: expected a port number from 1 to 65535")
    base = Path(model).resolve()
    name = base.name
    bind = f"[{host}]" if ":" in host else host
    return (f"docker run --rm -p {bind}:{port}:8501 "
            f"--mount {shlex.quote(f'type=bind,source={base},target=/models/{name}')} "
            f"-e {shlex.quote(f'MODEL_NAME={name}')} -t tensorflow/serving:2.20.0")


def _terminate(signum, frame):
    """SIGTERM (``kill``, a CI timeout, docker stop) unwinds like Ctrl-C: temporary
    folders are removed and the MLflow run is closed as KILLED."""
    raise KeyboardInterrupt


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if argv is None:  # the command itself, not a call from Python code
        signal.signal(signal.SIGTERM, _terminate)
    logging.basicConfig(level=logging.INFO, format="[seqkeras] %(message)s", stream=sys.stderr)
    try:
        return _dispatch(args)
    except SeqkerasError as exc:
        print(f"seqkeras: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("seqkeras: interrupted; finished stages keep their outputs", file=sys.stderr)
        return 130
    except RecursionError:
        print("seqkeras: error: the input is nested too deeply to read (thousands of "
              "levels of brackets or indentation)", file=sys.stderr)
        return 2
    except Exception as exc:  # an unexpected failure: one line, traceback on --debug
        if args.debug:
            traceback.print_exc()
        else:
            print(f"seqkeras: error: {type(exc).__name__}: {exc}\n"
                  "  (the stage's previous output, if any, was left in place; "
                  "rerun with --debug for the traceback)", file=sys.stderr)
        return 1


def _readable(spec: str) -> None:
    """A pipeline file that is not UTF-8 text is one clear error, whoever reads it next."""
    from pathlib import Path

    from seqkeras.errors import SpecError

    try:
        Path(spec).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{spec}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError:
        pass  # missing or unreadable: the loader says so


def _dispatch(args) -> int:
    if args.command in ("validate", "run"):
        _readable(args.spec)
    if args.command == "validate":
        from seqkeras.spec import load_spec

        spec = load_spec(args.spec)
        print(f"{args.spec}: valid ({spec.topology} pipeline {spec.name!r}, "
              f"{len(spec.data.sources)} source(s))")
        return 0
    if args.command == "run":
        from seqkeras.runner import run_pipeline

        report = run_pipeline(args.spec, stage=args.stage, force=args.force,
                              track=not args.no_track, data_dir=args.data_dir)
        print(f"{report.pipeline}: ran {', '.join(report.ran) or 'nothing'}; "
              f"skipped {', '.join(report.skipped) or 'nothing'} "
              f"({report.seconds:.1f} s{', MLflow run ' + report.run_id if report.run_id else ''})")
        train = report.summaries.get("train")
        if train:
            print("test metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in headline(train).items()))
            versus = baseline_line(train)
            if versus:
                print(versus)
        export = report.summaries.get("export")
        if export:
            print(f"exported: {export['path']}")
        return 0
    if args.command == "check-serving":
        from seqkeras.serving.check import check_serving, format_report

        print(format_report(check_serving(args.model)))
        return 0
    if args.command == "predict":
        from seqkeras.serving.predict import predict

        for line in predict(args.model, args.inputs):
            print(line)
        return 0
    if args.command == "serve-command":
        print(serve_command(args.model, args.port, args.host))
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
