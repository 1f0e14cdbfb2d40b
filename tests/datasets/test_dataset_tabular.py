"""The tabular dataset on small files written by the tests (CSV and Parquet), and the README example."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matchkit.data.builder import build_samples
from matchkit.datasets import DATASETS
from matchkit.datasets.tabular import Tabular
from matchkit.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[2]
LOGS = pd.DataFrame({
    "uid": ["u2", "u1", "u1", "u2", "u1", "u3", "u2"],
    "sku": [20, 10, 30, 10, 20, 30, 30],
    "when": ["2024-01-03", "2024-01-02", "2024-01-01", "2024-01-01", "2024-01-05", "2024-01-01", "2024-01-02"],
    "stars": [5, 4, 2, 3, 5, 1, 4],
    "country": ["fr", "de", "de", "fr", "de", "it", "fr"],
})
ITEMS = pd.DataFrame({"sku": [30, 20, 10, 40], "category": ["b", "a", "a", None], "tags": ["x|y", "", "y|z|w", "x"],
                      "name": ["Thirty", "Twenty", "Ten", "Forty"]})
USERS = pd.DataFrame({"uid": ["u3", "u2", "u1"], "age": [30, 20, 40]})
KW = dict(columns={"user": "uid", "item": "sku", "timestamp": "when", "rating": "stars", "title": "name"},
          user_attributes=["age"], item_attributes=["category", "tags"],
          multi_valued={"tags": {"sep": "|", "maxlen": 2}})


@pytest.fixture
def files(tmp_path):
    LOGS.to_csv(tmp_path / "logs.csv", index=False)
    ITEMS.to_csv(tmp_path / "items.csv", index=False)
    USERS.to_csv(tmp_path / "users.tsv", index=False, sep="\t")
    return tmp_path


def load(files, **kwargs):
    args = dict(interactions=files / "logs.csv", users=files / "users.tsv", items=files / "items.csv", **KW)
    return Tabular(**{**args, **kwargs}).load()


def test_encodes_ids_attributes_and_time(files):
    table = load(files)
    assert DATASETS.get("tabular") is Tabular
    assert (table.user_col, table.item_col, table.n_users, table.n_items) == ("user_id", "item_id", 3, 3)
    assert list(table.vocabularies["user_id"][1:]) == ["u1", "u2", "u3"]
    assert list(table.vocabularies["item_id"][1:]) == [10, 20, 30]  # item 40 is never used
    # users u1, u2, u3 have ages 40, 20, 30: codes by sorted value 20 -> 1, 30 -> 2, 40 -> 3
    assert list(table.user_features["age"]) == [0, 3, 1, 2]
    assert list(table.vocabularies["category"][1:]) == ["a", "b"] and list(table.item_features["category"]) == [0, 1, 1, 2]
    # tags of items 10, 20, 30: "y|z|w" cut to 2, "" (none), "x|y"; vocabulary w, x, y, z
    assert table.item_features["tags"].tolist() == [[0, 0], [3, 4], [0, 0], [2, 3]]
    assert list(table.item_titles[1:]) == ["Ten", "Twenty", "Thirty"]
    assert table.timestamps[2] == pd.Timestamp("2024-01-01", tz="UTC").timestamp()
    assert table.ratings.tolist() == LOGS.stars.tolist()
    # u1's history in time order: 30 (Jan 1), 10 (Jan 2), 20 (Jan 5) -> test target 20 after [10, 30]
    test = build_samples(table, seq_len=3, hist_features=("item_id", "category")).test
    u1 = list(test["user_id"]).index(1)
    assert test["item_id"][u1] == 2 and list(test["hist_item_id"][u1]) == [1, 3, 0]


def test_parquet_reads_the_same(files):
    pytest.importorskip("pyarrow")
    LOGS.to_parquet(files / "logs.parquet")
    ITEMS.to_parquet(files / "items.parquet")
    a, b = load(files), load(files, interactions=files / "logs.parquet", items=files / "items.parquet")
    for name in ("users", "items", "timestamps"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for name, values in a.item_features.items():
        np.testing.assert_array_equal(values, b.item_features[name])


def test_attributes_from_the_interactions_and_no_timestamp(files):
    table = Tabular(interactions=files / "logs.csv", columns={"user": "uid", "item": "sku", "timestamp": None},
                    user_attributes=["country"], user_col="customer", item_col="product").load()
    assert list(table.user_features) == ["customer", "country"] and list(table.item_features) == ["product"]
    assert list(table.vocabularies["country"][1:]) == ["de", "fr", "it"]
    assert table.timestamps.tolist() == list(range(len(LOGS)))  # file order


def test_filters(files):
    table = load(files, min_rating=4)
    assert table.n_interactions == int((LOGS.stars >= 4).sum())
    assert load(files, min_user_interactions=3).n_users == 2


@pytest.mark.parametrize("kwargs,error,message", [
    ({"interactions": None}, ConfigError, "needs dataset.interactions"),
    ({"columns": {"user": "uid", "item": "skus"}}, DataError, "has no column 'skus' (named in the dataset config); "
                                                              "did you mean 'sku'?"),
    ({"columns": {"user": "uid", "item": "sku", "stars": "x"}}, ConfigError, "unknown role(s) ['stars']"),
    ({"min_rating": 3, "columns": {"user": "uid", "item": "sku"}}, ConfigError, "needs dataset.columns.rating"),
    ({"multi_valued": {"genre": {"maxlen": 2}}}, ConfigError, "names 'genre', which is not in"),
    ({"multi_valued": {"tags": {"maxlen": 0}}}, ConfigError, "maxlen must be a positive integer, received maxlen=0"),
    ({"format": "xls"}, ConfigError, "dataset.format must be one of auto, csv, parquet"),
])
def test_config_errors_name_the_key(files, kwargs, error, message):
    with pytest.raises(error) as info:
        load(files, **kwargs)
    assert message in str(info.value)


def test_data_errors_name_the_file(files):
    with pytest.raises(DataError, match="is not a file"):
        load(files, interactions=files / "nope.csv")
    pd.concat([LOGS, pd.DataFrame({"uid": [None], "sku": [10], "when": ["2024-01-01"], "stars": [1]})]).to_csv(
        files / "holes.csv", index=False)
    with pytest.raises(DataError, match=r"1 row\(s\) have no 'uid' \(dataset.columns.user\), the first at data row 8"):
        load(files, interactions=files / "holes.csv")
    ITEMS[ITEMS.sku != 20].to_csv(files / "few_items.csv", index=False)
    with pytest.raises(DataError, match="absent from"):
        load(files, items=files / "few_items.csv")
    (files / "logs.dat").write_text("x")
    with pytest.raises(ConfigError, match="set dataset.format"):
        load(files, interactions=files / "logs.dat")


def test_readme_example_runs(tmp_path):
    """The README's example: examples/tabular/ (CSV files + an experiment YAML) and one command."""
    run_dir = tmp_path / "run"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run([sys.executable, "-m", "matchkit", "--config-dir", "examples/tabular/conf", "+experiment=shop",
                           "trainer.epochs=2", "trainer.jit_compile=false", "trainer.progress=false",
                           f"hydra.run.dir={run_dir}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "data: tabular (examples/tabular/interactions.csv): 120 users, 90 items" in proc.stdout
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n_test"] == 120 and 0.0 <= metrics["hr@10"] <= 1.0
