"""A baseline's test figures beside the model's, and the verdict.

A topology's baseline returns a :class:`BaselineResult`: one or more
:class:`BaselineScore` (a test metric, its direction and the baseline's figure). The
first score whose ``prefix`` is ``baseline`` is the headline logged as
``baseline_test_<metric>`` with ``skill_<metric>``; trivial floors (the majority class,
the persistence forecast) use their own prefix (``majority_test_accuracy``) and flag the
model the same way when it does not beat them.

``skill_<metric>`` is the model's improvement over the baseline in the metric's own
units, positive when the model is better whatever the direction: model - baseline for a
metric where higher is better (accuracy, F1, BLEU), baseline - model where lower is
better (MAE, NLL).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Relative tolerance under which a model counts as tying its baseline, not losing.
TIE = 1e-9


@dataclass(frozen=True)
class BaselineScore:
    """One test figure of a baseline.

    metric: the model's test metric it compares with, without ``test_`` (``accuracy``,
        ``entity_f1``, ``mae``, ``nll_per_char``, ``bleu``).
    value: the baseline's figure on the same test records, in the metric's units.
    direction: ``"max"`` (higher is better) or ``"min"``.
    name: what the baseline is, for the WARNING line and MLflow (one short phrase).
    prefix: ``baseline`` for the strong baseline (logged ``baseline_test_<metric>`` and
        ``skill_<metric>``), another word for a trivial floor (``majority``, ``naive``).
    hint: what to try when the model loses to it.
    strict: the model must be strictly better (a trivial floor: a model that ties the
        majority class most likely answers it every time); else a tie is not a loss.
    """

    metric: str
    value: float
    direction: str
    name: str
    prefix: str = "baseline"
    hint: str = ""
    strict: bool = False


@dataclass
class BaselineResult:
    """What a topology's baseline measured: its scores (the headline first), extra
    figures to log as they are (``baseline_val_accuracy``, ``baseline_C``, ...; numbers)
    and a description of the method (with what was chosen on val) for MLflow."""

    scores: list[BaselineScore]
    metrics: dict = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Comparison:
    """The model's figure against one baseline score; ``skill`` > 0 means the model is
    better (see the module docstring), ``loses`` that it is worse beyond :data:`TIE`."""

    score: BaselineScore
    model: float

    @property
    def skill(self) -> float:
        """Improvement over the baseline in the metric's units (positive: model better)."""
        diff = self.model - self.score.value
        return diff if self.score.direction == "max" else -diff

    @property
    def loses(self) -> bool:
        """Whether the model is worse than the baseline (a tie is a loss only against a
        ``strict`` floor)."""
        tolerance = TIE * max(1.0, abs(self.score.value))
        return self.skill <= tolerance if self.score.strict else self.skill < -tolerance

    def text(self) -> str:
        """"test accuracy 0.7500 vs 0.7700 for <name> (-0.0200, -2.6%)"."""
        s = self.score
        rel = f", {100 * self.skill / abs(s.value):+.1f}%" if s.value else ""
        return (f"test {s.metric} {self.model:.4f} vs {s.value:.4f} for {s.name} "
                f"({self.skill:+.4f}{rel})")


def compare(test_metrics: dict, result: BaselineResult | None) -> tuple[dict, list[Comparison]]:
    """The metrics to log and the comparisons made.

    ``test_metrics``: the model's ``test_<metric>`` figures; ``result``: the baseline's
    (None: no baseline ran). Returns ``({baseline_test_<m>, skill_<m>, <prefix>_test_<m>,
    baseline_below: 0/1, ...}, comparisons)``; a score whose metric the model did not
    report is left out.
    """
    if result is None:
        return {}, []
    logged, comparisons = dict(result.metrics), []
    for s in result.scores:
        model = test_metrics.get(f"test_{s.metric}")
        if model is None or s.value != s.value:  # not reported, or NaN
            continue
        c = Comparison(s, float(model))
        comparisons.append(c)
        logged[f"{s.prefix}_test_{s.metric}"] = float(s.value)
        if s.prefix == "baseline":
            logged[f"skill_{s.metric}"] = c.skill
    logged["below_baseline"] = float(any(c.loses for c in comparisons))
    return logged, comparisons


def warning_line(comparisons: list[Comparison]) -> str | None:
    """One line for the log when the model loses to any baseline (None when it does
    not): by how much, and what to try."""
    lost = [c for c in comparisons if c.loses]
    if not lost:
        return None
    hints = list(dict.fromkeys(c.score.hint for c in lost if c.score.hint))
    return ("the model is below its baseline: " + "; ".join(c.text() for c in lost)
            + (". Try: " + "; ".join(hints) if hints else "")
            + " (MLflow tag quality.below_baseline=true)")


def summary_text(comparisons: list[Comparison]) -> str:
    """The comparisons in one line, for the MLflow tag ``quality.baseline``."""
    if not comparisons:
        return "no baseline ran"
    return "; ".join(("BELOW " if c.loses else "beats ") + c.text() for c in comparisons)
