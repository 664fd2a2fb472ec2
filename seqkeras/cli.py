"""The ``seqkeras`` command line: validate, run, check-serving, predict, promote,
serve-config, serve-command."""

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
  MLFLOW_TRACKING_URI  MLflow store (default: sqlite:///mlruns/mlflow.db; a shared
                       server: http://127.0.0.1:5001 after `make mlflow-server`)
  KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT
                       distributed tuning over several hosts (chief / tuner0, tuner1 ...)

examples:
  seqkeras validate pipelines/quickstart.yaml
  seqkeras run pipelines/quickstart.yaml               # every stage, skipping unchanged ones
  seqkeras run pipelines/quickstart.yaml --stage train # up to train
  seqkeras check-serving models/quickstart
  seqkeras predict models/quickstart "Mary" "Robert"
  seqkeras predict --json models/conll2003_ner "Rand met Perrin ."  # as TF Serving answers
  seqkeras promote quickstart 2 --alias champion       # export 2 -> label stable
  seqkeras serve-config quickstart                     # models/models.config
  seqkeras check-serving models/quickstart --label stable
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
    r.add_argument("--workers", type=_workers, default=0, metavar="N",
                   help="tune with keras-tuner's distributed mode: a chief oracle in this "
                        "process and N worker processes on 127.0.0.1 (default 0: trials run "
                        "in this process); KERASTUNER_TUNER_ID / KERASTUNER_ORACLE_IP / "
                        "KERASTUNER_ORACLE_PORT spread them over several hosts")

    c = sub.add_parser("check-serving",
                       help="load the newest export with TF's C++ loader, as TF Serving does")
    c.add_argument("model", help="model base path, e.g. models/imdb_sentiment")
    which = c.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="check this version instead of the newest")
    which.add_argument("--label", help="check the version this TF Serving label (stable, "
                                       "canary) points to in --config")
    c.add_argument("--config", help="TF Serving model config for --label (default: "
                                    "models.config beside the model's folder)")

    pm = sub.add_parser("promote", help="point a Model Registry alias at an exported version")
    pm.add_argument("pipeline", help="pipeline (registered model) name, e.g. imdb_sentiment")
    pm.add_argument("version", type=int, help="export version (models/<pipeline>/<version>)")
    pm.add_argument("--alias", required=True, choices=["champion", "challenger"],
                    help="champion: served as label stable; challenger: as label canary")

    sc = sub.add_parser("serve-config",
                        help="write TF Serving's models.config from the registry's aliases")
    sc.add_argument("pipelines", nargs="+", help="pipeline names, e.g. imdb_sentiment")
    sc.add_argument("--models-dir", default="models", help="where the exports are "
                                                            "(default: models)")
    sc.add_argument("--base-path", default="/models",
                    help="the models folder as the server sees it (default /models, the "
                         "docker mount of `make serve`)")
    sc.add_argument("-o", "--output", help="default: <models-dir>/models.config")

    pr = sub.add_parser("predict", help="answer raw inputs with the newest export")
    pr.add_argument("model", help="model base path, e.g. models/imdb_sentiment (the newest "
                                  "version), or one version, models/imdb_sentiment/3")
    pr.add_argument("inputs", nargs="+",
                    help="raw inputs ('-': one input a line from standard input, one "
                         "answer a line, blank lines included): "
                         "sentences for text topologies; for sequence_prediction "
                         "a CSV file with a header and at least `lookback` rows; WAV or CSV "
                         "paths for audio and numeric inputs; generation settings as "
                         "key=value (names: temperature=0 max_length=12 seed=3; chorales: "
                         "steps=16 temperature=0.8), defaults from the spec's generate "
                         "section")
    pr.add_argument("--json", action="store_true",
                    help="print the signature's outputs as one JSON line, as TF Serving's "
                         "REST API answers (e.g. every token's tag, class probabilities)")

    s = sub.add_parser("serve-command", help="print the TF Serving docker command for a model")
    s.add_argument("model", help="model base path, e.g. models/imdb_sentiment; with --config "
                                 "the folder of the models, e.g. models")
    s.add_argument("--config", help="serve the models of this models.config (labels, "
                                    "specific versions), reread every --poll seconds")
    s.add_argument("--poll", type=int, default=60, help="config poll interval (default 60 s)")
    s.add_argument("--port", type=int, default=8501, help="REST port (default 8501)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address the port is published on (default 127.0.0.1: this machine "
                        "only; 0.0.0.0 exposes the server to the network)")
    return p


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 64:
        raise argparse.ArgumentTypeError(f"{value}: from 0 to 64 worker processes")
    return value


def headline(metrics: dict, limit: int = 12) -> dict:
    """The test metrics worth a line: per-step and per-class detail stays in MLflow."""
    main = {k: v for k, v in metrics.items() if k.startswith("test_") and "_step_" not in k}
    # per-class detail (test_entity_f1_LOC beside test_entity_f1) stays in MLflow too
    main = {k: v for k, v in main.items() if not any(k.startswith(b + "_") for b in main)}
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


def serve_command(model: str, port: int = 8501, host: str = "127.0.0.1",
                  config: str | None = None, poll: int = 60) -> str:
    """The docker command serving ``model`` over REST on ``host:port`` (the loopback
    address by default: TF Serving has no authentication); with ``config`` (a
    models.config inside the folder ``model``), every model it lists, reread every
    ``poll`` seconds."""
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
    if config is not None:
        inside = Path(config).resolve()
        if base not in inside.parents:
            raise SeqkerasError(f"--config {config}: must lie inside {model} (the folder "
                                "mounted as /models)")
        if not 0 < poll <= 86400:
            raise SeqkerasError(f"--poll {poll}: expected seconds from 1 to 86400")
        return (f"docker run --rm -p {bind}:{port}:8501 "
                f"--mount {shlex.quote(f'type=bind,source={base},target=/models')} "
                f"-t tensorflow/serving:2.20.0 "
                f"--model_config_file={shlex.quote('/models/' + str(inside.relative_to(base)))} "
                f"--model_config_file_poll_wait_seconds={poll} "
                # labels in the config at startup name versions not loaded yet
                "--allow_version_labels_for_unavailable_models=true")
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
    if args.command in ("validate", "run"):
        from seqkeras.spec import load_spec

        spec = load_spec(args.spec)  # a bad spec is refused before TensorFlow loads
    if args.command == "validate":
        print(f"{args.spec}: valid ({spec.topology} pipeline {spec.name!r}, "
              f"{len(spec.data.sources)} source(s))")
        return 0
    if args.command == "run":
        from seqkeras.runner import run_pipeline

        report = run_pipeline(args.spec, stage=args.stage, force=args.force,
                              track=not args.no_track, data_dir=args.data_dir,
                              tune_workers=args.workers)
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
        from pathlib import Path

        from seqkeras.serving.check import check_serving, format_report

        version = args.version
        if args.label:
            from seqkeras.serving.config import CONFIG_NAME, labelled_version

            base = Path(args.model)
            config = args.config or base.resolve().parent / CONFIG_NAME
            version = labelled_version(config, base.resolve().name, args.label)
            print(f"label {args.label} -> version {version} ({config})")
        target = Path(args.model) / str(version) if version is not None else args.model
        print(format_report(check_serving(target)))
        return 0
    if args.command == "promote":
        from seqkeras.registry import promote

        done = promote(args.pipeline, args.version, args.alias)
        print(f"{done['registered_model']}: alias {done['alias']} -> registry version "
              f"{done['version']} (export {done['export_version']}, {done['export_path']}); "
              f"served as label {done['label']} after `seqkeras serve-config "
              f"{done['registered_model']}`")
        return 0
    if args.command == "serve-config":
        from pathlib import Path

        from seqkeras.serving.config import CONFIG_NAME, serving_config, write_config

        config = serving_config(args.pipelines, Path(args.models_dir), args.base_path)
        path = write_config(config, Path(args.output or Path(args.models_dir) / CONFIG_NAME))
        for entry in config.model_config_list.config:
            labels = ", ".join(f"{k} -> {v}" for k, v in sorted(entry.version_labels.items()))
            kept = list(entry.model_version_policy.specific.versions)
            print(f"{entry.name}: {'versions ' + ', '.join(map(str, kept)) if kept else 'newest version'}"
                  f"{'; labels ' + labels if labels else ' (no alias: promote a version first)'}")
        print(f"wrote {path}")
        return 0
    if args.command == "predict":
        from seqkeras.serving.predict import predict

        inputs = args.inputs
        if inputs == ["-"]:  # echo "some text" | seqkeras predict models/x -
            # every line, blank ones too: answer i (and --json's index i) is line i
            inputs = sys.stdin.read().splitlines()
            if not any(line.strip() for line in inputs):
                raise SeqkerasError("predict -: standard input held no line to answer")
        for line in predict(args.model, inputs, as_json=args.json):
            print(line)
        return 0
    if args.command == "serve-command":
        print(serve_command(args.model, args.port, args.host, args.config, args.poll))
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
