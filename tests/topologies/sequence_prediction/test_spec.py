"""The sequence_prediction schema: data.series (required, checked), no text settings,
the names it logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydantic
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies import get_topology
from seqkeras.topologies.sequence_prediction.spec import SeriesData
from seqkeras.topologies.sequence_prediction.topology import SeriesPrep
from tests.topologies.logged_metrics import logged_names


def make_spec(series=None, data=None, **sections) -> PipelineSpec:
    series = {"time": "ts", "targets": ["y"], "lookback": 2, "horizon": 2, **(series or {})}
    return PipelineSpec.model_validate({
        "name": "ts", "topology": "sequence_prediction", "seed": 1,
        "data": {"sources": [{"path": "s.csv"}], "series": series, **(data or {})},
        **sections})


def test_a_good_time_format_is_kept():
    assert make_spec({"time_format": "%d/%m/%Y %H:%M"}).data.series.time_format == \
        "%d/%m/%Y %H:%M"


def test_series_is_its_own_data_section_and_required():
    assert isinstance(make_spec().data, SeriesData)
    with pytest.raises(pydantic.ValidationError) as info:
        PipelineSpec.model_validate({"name": "ts", "topology": "sequence_prediction",
                                     "data": {"sources": [{"path": "s.csv"}]}})
    assert info.value.errors()[0]["loc"][-2:] == ("data", "series")


@pytest.mark.parametrize("series, phrase", [
    ({"categorical": ["y"]}, "targets must be numeric"),
    ({"features": ["ts"]}, "cannot also be features or targets"),
    ({"lookback": 0}, "greater than or equal to 1"),
    # a bad strptime directive passed validate and failed ingest with a bare
    # "ValueError: 'Q' is a bad directive in format '%Q'"
    ({"time_format": "%Y-%Q"}, r"'Q' is a bad directive in format '%Y-%Q'"),
    ({"time_format": "%s"}, r"Unix seconds"),
    # calendar_ahead without a calendar, or on steps of no fixed length, was ignored
    ({"calendar_ahead": True, "calendar": []}, r"calendar_ahead.*no calendar features"),
    ({"calendar_ahead": True, "frequency": "MS"}, r"calendar_ahead.*MS.*no fixed length"),
])
def test_series_columns_and_windows_are_checked(series, phrase):
    with pytest.raises(pydantic.ValidationError, match=phrase):
        make_spec(series)


@pytest.mark.parametrize("sections, phrase", [
    ({"tokenize": {"level": "char"}}, "does not apply to topology sequence_prediction"),
    ({"data": {"max_records_per_split": 10}}, "does not apply"),
    ({"model": {"embedding_dim": 8}}, "Extra inputs are not permitted"),
    ({"train": {"early_stopping": {"monitor": "val_accuracy"}}}, "it logs loss, mae"),
])
def test_settings_that_do_not_apply_are_refused(sections, phrase):
    with pytest.raises(pydantic.ValidationError, match=phrase):
        make_spec(**sections)


def test_declared_metrics_are_what_keras_logs():
    spec = make_spec(model={"units": 4}, train={"batch_size": 4})
    prep = SeriesPrep(["y"], [], ["y"], np.array([15.0]), np.array([3.0]), {}, 2, 2)
    times = [str(t) for t in pd.date_range("2020-01-01", periods=16, freq="h")]
    records = [{"time": t, "step": i, "values": {"y": float(i % 5)}}
               for i, t in enumerate(times)]
    topology = get_topology("sequence_prediction")
    assert logged_names(spec, topology, prep, records) == set(spec.logged_metrics()) == {
        "loss", "mae", "val_loss", "val_mae", "val_forecast_mae"}
