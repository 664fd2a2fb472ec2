import json

from benchmarks.quality import collect, render


def test_quality_table_shows_measured_values_and_untrained_pipelines(tmp_path):
    (tmp_path / "pipelines").mkdir()
    for name in ("imdb_sentiment", "conll2003_ner"):
        (tmp_path / "pipelines" / f"{name}.yaml").write_text("topology: many_to_one\n")
    train = tmp_path / "data" / "imdb_sentiment" / "train"
    train.mkdir(parents=True)
    (train / "metrics.json").write_text(json.dumps({"test_accuracy": 0.8771, "test_macro_f1": 0.8}))
    text = render(collect(tmp_path / "data", tmp_path / "pipelines"))
    imdb_row = next(line for line in text.splitlines() if line.startswith("| `imdb_sentiment`"))
    assert "0.877" in imdb_row and "macro_f1 0.8" in imdb_row
    conll_row = next(line for line in text.splitlines() if line.startswith("| `conll2003_ner`"))
    assert "not trained here" in conll_row
    assert "0.909" in text  # the Lample et al. anchor is listed as a reference


def test_a_section_of_its_own_for_a_few_pipelines(tmp_path):
    from benchmarks.quality import main

    (tmp_path / "pipelines").mkdir()
    for name in ("spoken_digits", "imdb_sentiment"):
        (tmp_path / "pipelines" / f"{name}.yaml").write_text("topology: many_to_one\n")
    train = tmp_path / "data" / "spoken_digits" / "train"
    train.mkdir(parents=True)
    (train / "metrics.json").write_text(json.dumps({"test_accuracy": 0.99}))
    out = tmp_path / "RESULTS.md"
    out.write_text("# seqkeras benchmarks\n\n<!-- quality:begin -->\nkept\n<!-- quality:end -->\n")
    main(["--data-dir", str(tmp_path / "data"), "--pipelines", str(tmp_path / "pipelines"),
          "--out", str(out), "--only", "spoken_digits", "--key", "measurements"])
    text = out.read_text()
    section = text.split("<!-- measurements:begin -->")[1]
    assert "<!-- quality:begin -->\nkept\n" in text          # the other section untouched
    assert "| `spoken_digits`" in section and "0.99" in section and "Machine:" in section
    assert "imdb_sentiment" not in section                   # neither its row nor its anchors
