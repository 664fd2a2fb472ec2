"""train.distribute: mirrored trains one model over two logical CPU devices.

The logical devices must be configured before TensorFlow initialises, so the training
runs in a fresh Python process (a real pipeline on a slice of real data); the parent
checks what it wrote: two replicas, a model that loads and answers like one trained on
a single device would (finite, the same shapes)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from seqkeras.spec import PipelineSpec
from tests.pipeline_helpers import SHARED_DATA, require_shared

SPEC = """
name: sms_mirrored
topology: many_to_one
seed: 3
data:
  sources:
    - {path: sms_spam/sms.tsv, format: tsv, header: false, text_field: 1, label_field: 0}
  max_records_per_split: 64
tokenize: {level: word, max_tokens: 300, max_length: 16}
model: {embedding_dim: 8, cell: gru, units: 8, bidirectional: false}
train:
  epochs: 2
  batch_size: 16
  steps_per_epoch: 3
  early_stopping: null
  distribute: mirrored
"""

SCRIPT = """
import json, logging, sys
logging.basicConfig(level=logging.INFO)
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from seqkeras.runner import run_pipeline
report = run_pipeline(sys.argv[1], stage="train", track=False)
print("REPORT " + json.dumps(report.summaries["train"]))
"""


def test_distribute_defaults_to_none_and_takes_mirrored():
    base = {"name": "x", "data": {"sources": [{"path": "a.txt"}]}}
    assert PipelineSpec.model_validate(base).train.distribute == "none"
    spec = PipelineSpec.model_validate({**base, "train": {"distribute": "mirrored"}})
    assert spec.train.distribute == "mirrored"
    with pytest.raises(Exception, match="distribute"):
        PipelineSpec.model_validate({**base, "train": {"distribute": "multi_worker"}})


@pytest.mark.slow
def test_mirrored_training_uses_two_logical_cpus(tmp_path):
    require_shared("sms_spam/sms.tsv")
    spec = tmp_path / "sms_mirrored.yaml"
    spec.write_text(SPEC)
    env = {"SEQKERAS_DATA_ROOT": str(SHARED_DATA), "CUDA_VISIBLE_DEVICES": "",
           "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(spec)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("REPORT ")]
    metrics = json.loads(line[len("REPORT "):])
    assert metrics["train_replicas"] == 2
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["epochs_run"] == 2
    assert "over 2 replica(s)" in proc.stderr
    assert (tmp_path / "data" / "sms_mirrored" / "train" / "model.keras").is_file()
