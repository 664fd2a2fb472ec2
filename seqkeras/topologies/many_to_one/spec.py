"""The many_to_one pipeline schema: classification settings (TensorFlow-free).

The input is text (the default, split by ``tokenize``) or measurements (``input.kind``
numeric or audio: a ``[T, F]`` sequence of floats, or a WAV recording whose features
the graph computes); either way one label comes out.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Optional, Union

from pydantic import Field, model_validator

from seqkeras.spec import (EmbeddedRecurrentModel, FrameInputs, InputSpec, PipelineSpec,
                           Problem, TextInput, input_problems, not_applicable)
from seqkeras.spec.inputs import MEASUREMENT_SOURCE_KEYS, wav_label_problems
from seqkeras.spec.sections import AUTO, Section, auto_or
from seqkeras.topologies.many_to_one.auto_rules import MODEL_RULES


class NgramBranch(Section):
    """A linear model over the token n-grams beside the recurrent stack (fastText: Joulin
    et al. 2017, "Bag of Tricks for Efficient Text Classification"): its logits, the mean
    of one learnt vector per present n-gram, are added to the head's logits
    (``seqkeras.layers.ngram_hash.NgramHash``). Text input only."""

    #: ``auto``: on for text input, off for measurements (``input.kind`` numeric or
    #: audio: frames have no token ids). Measured 2026-11-30 on the untuned dev YAMLs
    #: (benchmarks/RESULTS.md, "n-gram branch"), test accuracy without -> with it:
    #: subjectivity 0.9187 -> 0.9373, quickstart names 0.8049 -> 0.8484 (its baseline
    #: 0.8415), IMDB 0.8456 -> 0.8703 (with dropout 0.25), SMS spam 0.9890 -> 0.9853
    #: (2 of 545 records); pipelines/imdb_sentiment.yaml 0.8817 -> 0.9009.
    enabled: Union[bool, Literal["auto"]] = "auto"
    #: The longest n-gram (1: the tokens alone). ``auto``: 4 when ``tokenize.level`` is
    #: char (character 1-4-grams, as the baseline uses), 2 otherwise (word 1-2-grams).
    ngrams: auto_or(int, "by tokenize.level", ge=1, le=8) = "auto"
    #: Hash rows shared by the n-grams with n >= 2 (the tokens have a row each).
    buckets: int = Field(2**20, ge=1, le=2**24)
    #: While training, each n-gram is left out of the mean with this probability.
    dropout: float = Field(0.0, ge=0, lt=1)
    #: The branch's output is multiplied by this, so it learns this many times faster
    #: than the recurrent stack (Adam's step is about the learning rate whatever the
    #: gradient; fastText's linear model trains at 0.1-1).
    learning_rate_scale: float = Field(300.0, gt=0, le=10_000)
    #: ``mean`` over the present n-grams (fastText) or their sum over sqrt(count).
    #: auto (this and ``binary``, ``nb_weighting``, ``prefit``, ``head_aux_loss_weight``):
    #: the NBSVM recipe (sqrt, true, true, true, 1.0) when the training texts average
    #: at least 100 words or pieces, else the bag trained with the network (mean,
    #: false, false, false, 0.0): ``auto_rules.py``.
    normalize: auto_or(Literal["mean", "sqrt"], "by the training text length") = AUTO
    #: Count an n-gram repeated in a text once (binary features, as NBSVM does).
    binary: auto_or(bool, "by the training text length") = AUTO
    #: Multiply each n-gram's learnt vector by its naive-Bayes log-count ratio, counted
    #: on the training split before training (NBSVM: Wang & Manning 2012): n-grams that
    #: separate the classes learn fast, those both use alike hardly move.
    nb_weighting: auto_or(bool, "by the training text length") = AUTO
    #: Fit the branch as a logistic regression on the training split before training
    #: (scikit-learn, C chosen on a held-out tenth of it) and keep it fixed: the
    #: recurrent stack learns on top of a regularized linear model instead of beside a
    #: bag that over-fits within two epochs (``ngram_prefit.py``). Pair it with
    #: ``head_aux_loss_weight`` so the recurrent stack also learns the labels alone.
    prefit: auto_or(bool, "by the training text length") = AUTO
    #: Deep supervision (``deep_supervision.py``): while training, the bag's own
    #: cross-entropy, on its logits alone, is added to the loss with this weight, so the
    #: bag learns to classify by itself whatever the recurrent stack does (0: off). The
    #: served output stays the joint one; val loss and accuracy are the joint model's.
    aux_loss_weight: float = Field(0.0, ge=0, le=100)
    #: The same for the recurrent head's logits alone, so the recurrent stack does not
    #: only learn what the bag gets wrong (0: off).
    head_aux_loss_weight: auto_or(float, "by the training text length", ge=0, le=100) = AUTO

    #: ``ngrams: auto`` by ``tokenize.level``.
    AUTO_NGRAMS: ClassVar[dict] = {"char": 4}
    AUTO_NGRAMS_OTHERWISE: ClassVar[int] = 2

    @model_validator(mode="before")
    @classmethod
    def _enabled_alone(cls, value):
        """``ngram_branch: false`` (or true, auto) is short for ``{enabled: false}``."""
        return {"enabled": value} if isinstance(value, bool) or value == "auto" else value

    def order(self, level: str) -> int:
        """The longest n-gram for tokens of ``tokenize.level`` ``level``."""
        if self.ngrams != "auto":
            return self.ngrams
        return self.AUTO_NGRAMS.get(level, self.AUTO_NGRAMS_OTHERWISE)


class ManyToOneModel(EmbeddedRecurrentModel, FrameInputs):
    """The ``model`` section of classification: an embedded recurrent stack (text) or a
    recurrent stack over measurement frames, whose last state (or pooled outputs) feeds
    a dense head."""

    #: How the sequence becomes one vector: the last state (the classic many-to-one), or
    #: the mean / max over every unmasked step's output.
    pooling: Literal["last", "mean", "max"] = "last"
    #: auto: sigmoid for two classes, softmax otherwise.
    head: Literal["auto", "sigmoid", "softmax"] = "auto"
    #: A bag-of-n-grams linear branch whose logits are added to the head's.
    ngram_branch: NgramBranch = NgramBranch()

    def branch(self, input_kind: str) -> Optional[NgramBranch]:
        """The n-gram branch a model over ``input.kind`` ``input_kind`` gets (None: none)."""
        enabled = self.ngram_branch.enabled
        return self.ngram_branch if enabled is True or (
            enabled == "auto" and input_kind == "text") else None


class ManyToOnePipeline(PipelineSpec):
    """A many-to-one (classification) pipeline: a sequence of tokens or of measurement
    frames in, one label out."""

    topology: Literal["many_to_one"] = "many_to_one"
    #: What a record's input is: text (tokenized), numeric [T, F] sequences or audio.
    input: InputSpec = TextInput()
    model: ManyToOneModel = ManyToOneModel()

    #: ``input`` decides how ingest reads and what the tokenize stage learns.
    EXTRA_SECTIONS = {"input": ("ingest", "tokenize")}
    SPECIFIC_KEYS = MEASUREMENT_SOURCE_KEYS
    #: compile: the cross-entropy loss and a (Binary|SparseCategorical)Accuracy named "accuracy".
    METRICS = {"loss": "min", "accuracy": "max"}
    #: computed on val after every epoch (``epoch_callbacks``)
    VAL_METRICS = {"macro_f1": "max"}
    SELECTION = "val_accuracy"
    RECORD_FIELDS = ("text_field", "label_field", "split_field")
    TEXT_FIELDS = ("text_field",)
    AUTO_TEXT = {"tokenize": "text"}
    AUTO_RECORDS = True
    #: the n-gram branch's recipe by the training text length (``auto_rules.py``)
    AUTO_MODEL_RULES = MODEL_RULES


def validate(spec: ManyToOnePipeline) -> list[Problem]:
    """Every source must give its records a label (a classifier learns labels); the
    sources and settings must fit ``input.kind``."""
    problems = input_problems(spec)
    if spec.input.kind != "text":
        problems += not_applicable(spec, ("model.embedding_dim", "model.embedding_dropout"),
                                   f"input.kind is {spec.input.kind}: measurement frames "
                                   "are not embedded")
        problems += not_applicable(spec, [f"model.ngram_branch.{key}"
                                          for key in NgramBranch.model_fields],
                                   f"input.kind is {spec.input.kind}: the n-gram branch "
                                   "reads token ids, and measurement frames have none")
    branch = spec.model.ngram_branch
    if branch.enabled is False:  # settings of a branch that is not built do nothing
        problems += [Problem(("model", "ngram_branch", key),
                             f"model.ngram_branch.enabled is false, so {key} does nothing: "
                             "remove it, or set enabled: true")
                     for key in sorted(branch.model_fields_set - {"enabled"})]
    problems += wav_label_problems(spec)
    problems += [Problem(("data", "sources", i, "label_field"),
                         "topology many_to_one classifies records by label, but this source "
                         "gives none: set label_field (the field holding it) or label (one "
                         "for the file)")
                 for i, s in enumerate(spec.data.sources)
                 if s.label_field is None and s.label is None and s.name_pattern is None]
    return problems
