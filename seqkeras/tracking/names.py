"""Metric names MLflow accepts, from names that carry a label.

Per-label metrics are named after the label (``test_entity_f1_PER``), and labels can be
any string: the part-of-speech tags of CoNLL-2003 include ``$``, ``''``, ``(`` and
``,``, which MLflow refuses in a metric name (letters, digits, ``_ - . /`` and space),
failing the run after training. The metrics file keeps the label as it is; MLflow gets
the name with each other character written as ``_u`` and its code point.
"""

from __future__ import annotations

import re

#: Characters a metric name keeps (MLflow's set less ``/``, which would nest a path).
_REFUSED = re.compile(r"[^A-Za-z0-9_\-. ]")


def metric_name(name: str) -> str:
    """``name`` with every character MLflow refuses as ``_u`` + 4 hex digits:
    ``metric_name("test_entity_f1_$") == "test_entity_f1__u0024"``; a valid name is
    returned unchanged."""
    return _REFUSED.sub(lambda m: f"_u{ord(m.group()):04x}", name)
