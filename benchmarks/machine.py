"""What the numbers were measured on: CPU, cores, load and library versions."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    out = {"Python": platform.python_version(), "TensorFlow": tf.__version__,
           "Keras": keras.__version__}
    try:
        import tensorflow_text

        out["tensorflow-text"] = tensorflow_text.__version__
    except (ImportError, AttributeError):
        pass
    import seqkeras

    out["seqkeras"] = seqkeras.__version__
    return out


def gpus() -> list[str]:
    import tensorflow as tf

    return [d.name for d in tf.config.list_physical_devices("GPU")]
