"""build: assemble the topology's Keras functional model and record its shape.

Tune and train rebuild the model from the same topology (with tuned values), so what
this stage keeps is the architecture: its JSON config and a readable summary.
"""

from __future__ import annotations

from seqkeras.io.atomic import write_json
from seqkeras.stages.auto import resolved_spec


def run(ctx) -> dict:
    """Build the model from the tokenize output; write its summary and config; its size."""
    spec, _ = resolved_spec(ctx.spec, ctx.input("tokenize"))  # train logs what auto chose
    prep = ctx.topology.load_preprocessor(spec, ctx.input("tokenize"))
    model = ctx.topology.build_model(spec, prep)
    lines: list[str] = []
    model.summary(print_fn=lambda line, **_: lines.append(line), line_length=100)
    (ctx.out / "model_summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (ctx.out / "model_config.json").write_text(model.to_json(indent=2), encoding="utf-8")
    summary = {"parameters": int(model.count_params()), "layers": len(model.layers)}
    write_json(ctx.out / "build_summary.json", summary)
    ctx.log.info("build: %s, %d parameters", model.name, summary["parameters"])
    ctx.tracker.log_metrics({"model_parameters": summary["parameters"]})
    ctx.tracker.log_artifact(ctx.out / "model_summary.txt", "build")
    return summary
