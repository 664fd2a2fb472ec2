"""seqkeras.cli: in-process calls of ``main`` with captured output."""

from __future__ import annotations

import pytest

from seqkeras.cli import main, serve_command

STAGES = ("ingest", "tokenize", "build", "tune", "train", "export")


def test_validate_a_good_spec(write_spec, small_csv, capsys):
    path = write_spec("data:\n  sources:\n    - path: small.csv\n", name="good")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: valid" in out and "'good'" in out and "1 source(s)" in out


def test_validate_a_bad_spec_exits_2_with_one_line_per_problem(write_spec, small_csv, capsys):
    path = write_spec("data:\n  sources:\n    - path: small.csv\n"
                      "model:\n  unitz: 3\ntrain:\n  epochs: none\n")
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith("seqkeras: error: ")
    assert len(lines) == 2
    assert f"{path}:5: model.unitz" in lines[0] and "did you mean 'units'" in lines[0]
    assert lines[1].startswith(f"{path}:7: train.epochs")


def test_validate_missing_data_file_exits_2(write_spec, data_root, capsys):
    path = write_spec("data:\n  sources:\n    - path: gone.csv\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "data.sources[0].path: file not found" in err and "Traceback" not in err


def test_validate_missing_pipeline_file_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "none.yaml")]) == 2
    assert "pipeline file not found" in capsys.readouterr().err


def test_top_level_help_lists_stages_and_environment(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for stage in STAGES:
        assert f"\n  {stage} " in out
    for command in ("validate", "run", "check-serving", "predict", "serve-command"):
        assert command in out
    assert "SEQKERAS_DATA_ROOT" in out


def test_run_help_lists_stages(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--stage" in out and "--force" in out and "--no-track" in out
    for stage in STAGES:
        assert f"\n  {stage} " in out


def test_version(capsys):
    import seqkeras

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"seqkeras {seqkeras.__version__}"


def test_missing_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: seqkeras" in capsys.readouterr().err


def test_serve_command_prints_docker_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["serve-command", "models/spam_filter", "--port", "9001"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("docker run ")
    assert "-p 127.0.0.1:9001:8501" in out  # loopback only unless --host says otherwise
    assert f"source={tmp_path.resolve() / 'models' / 'spam_filter'}," in out
    assert "target=/models/spam_filter" in out and "MODEL_NAME=spam_filter" in out
    assert "tensorflow/serving" in out


def test_serve_command_default_port_on_loopback():
    assert "-p 127.0.0.1:8501:8501" in serve_command("models/x")
    assert "-p 0.0.0.0:8501:8501" in serve_command("models/x", host="0.0.0.0")
    assert "-p [::1]:8501:8501" in serve_command("models/x", host="::1")


def test_serve_command_rejects_a_bad_host_or_port(capsys):
    assert main(["serve-command", "models/x", "--host", "localhost; rm -rf /"]) == 2
    assert "expected an IP address" in capsys.readouterr().err
    assert main(["serve-command", "models/x", "--port", "70000"]) == 2


def test_check_serving_without_export_exits_2(tmp_path, capsys):
    (tmp_path / "models" / "pipe").mkdir(parents=True)
    assert main(["check-serving", str(tmp_path / "models" / "pipe")]) == 2
    err = capsys.readouterr().err
    assert "no exported version found" in err and "Traceback" not in err


def test_run_unknown_stage_is_a_user_error(write_spec, small_csv, capsys, tmp_path):
    path = write_spec("data:\n  sources:\n    - path: small.csv\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path), "--stage", "trian", "--no-track",
              "--data-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "invalid choice: 'trian'" in err and "train" in err
    assert exit_info.value.code == 2 and "Traceback" not in err


def test_the_run_summary_line_leaves_per_class_and_per_step_detail_to_mlflow():
    from seqkeras.cli import headline

    metrics = {"test_entity_f1": 0.8, "test_entity_f1_LOC": 0.9, "test_entity_f1_$": 0.1,
               "test_token_accuracy": 0.95, "test_mae": 1.0, "test_mae_step_1": 0.5,
               "test_naive_mae": 2.0, "baseline_test_entity_f1": 0.7}
    assert list(headline(metrics)) == ["test_entity_f1", "test_token_accuracy", "test_mae",
                                       "test_naive_mae"]


def test_predict_dash_reads_one_input_a_line_from_standard_input(monkeypatch, capsys):
    import io

    import seqkeras.serving.predict as serving_predict

    seen = []
    monkeypatch.setattr(serving_predict, "predict",
                        lambda model, inputs, as_json=False: seen.append(inputs)
                        or [f"ok {i}" for i in inputs])
    monkeypatch.setattr("sys.stdin", io.StringIO("Mary\n\nRobert Kim\r\n"))
    assert main(["predict", "models/x", "-"]) == 0
    # a blank line is answered too, so answer i is line i (the --json index as well)
    assert seen == [["Mary", "", "Robert Kim"]]
    assert capsys.readouterr().out.splitlines() == ["ok Mary", "ok ", "ok Robert Kim"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["predict", "models/x", "-"]) == 2
    assert "standard input held no line" in capsys.readouterr().err
