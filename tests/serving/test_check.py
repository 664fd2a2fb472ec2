"""seqkeras.serving.check: report formatting and the no-export error (no subprocess)."""

from __future__ import annotations

import pytest

from seqkeras.errors import SeqkerasError
from seqkeras.serving.check import check_serving, format_report

REPORT = {
    "export_dir": "/m/pipe/3", "ok": True, "load_seconds": 1.234, "ops_used": 57,
    "text_ops_used": ["RegexSplitWithOffsets"], "warmup_requests": 1,
    "signatures": {
        "serving_default": {"inputs": {"text": "serving_default_text:0"},
                            "outputs": ["label", "score"]},
        "__saved_model_init_op": {"inputs": {}, "outputs": ["__saved_model_init_op"]},
    },
    "parity": {"ok": True, "mismatches": [], "max_abs_diff": 3e-7, "examples": 8},
}


def test_format_report():
    lines = format_report(REPORT).splitlines()
    assert lines[0] == "OK  /m/pipe/3"
    assert "1.23 s" in lines[1]
    assert "57 used" in lines[2] and "RegexSplitWithOffsets" in lines[2]
    assert lines[3].endswith("warmup requests replayed: 1")
    assert "signature serving_default: inputs text -> outputs label, score" in lines[4]
    assert not any("__saved_model_init_op" in line for line in lines)
    assert "8 test examples" in lines[5] and "3.00e-07" in lines[5]
    assert len(lines) == 6


def test_format_report_without_parity_or_text_ops():
    report = dict(REPORT, text_ops_used=[], parity=None)
    text = format_report(report)
    assert "(none)" in text and "parity" not in text


def test_check_serving_without_export_raises_before_loading(tmp_path):
    with pytest.raises(SeqkerasError, match="no exported version found"):
        check_serving(tmp_path)
