"""Run record, plots and TensorBoard writer, in process."""

import hashlib
import json

import numpy as np
import pytest
from hydra import compose, initialize_config_module

from matchkit.config import register_configs
from matchkit.datasets.ml1m import ML1M
from matchkit.report.plots import plot_loss, plot_metrics_at_k
from matchkit.report.run_record import run_record

PNG = b"\x89PNG\r\n\x1a\n"


def test_run_record_checksums_the_data_files(tmp_path):
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    files = {"users.dat": "1::F::1::10::48067\n2::M::56::16::70072\n",
             "movies.dat": "1::Toy Story (1995)::Animation\n2::Heat (1995)::Action\n",
             "ratings.dat": "1::1::5::978300760\n1::2::3::978300761\n2::1::4::978300762\n"}
    for name, text in files.items():
        (folder / name).write_text(text)
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        cfg = compose("config", overrides=["dataset=ml1m", f"dataset.data_dir={tmp_path}", "seed=5"])
    dataset = ML1M(data_dir=tmp_path, download=False)
    record = run_record(cfg, dataset, dataset.load())
    json.dumps(record)  # serialisable as is
    assert record["seed"] == 5 and record["config"]["dataset"]["data_dir"] == str(tmp_path)
    got = {f["path"].rsplit("/", 1)[-1]: f["sha256"] for f in record["data"]["files"]}
    assert got == {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()}
    assert record["versions"]["numpy"] == np.__version__


@pytest.mark.parametrize("with_valid", [False, True])
def test_loss_plot(tmp_path, with_valid):
    history = [{"epoch": e, "loss": 5.0 / e, "seconds": 1.0} for e in range(1, 6)]
    if with_valid:
        for h in history:
            h["valid"] = {"hr@50": 0.1 * h["epoch"], "ndcg@50": 0.05}
    path = plot_loss(history, tmp_path / "loss.png")
    assert path.read_bytes().startswith(PNG)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]


def test_metrics_plot_with_and_without_filtered_metrics(tmp_path):
    ks = [5, 10, 20]
    metrics = {f"{m}@{k}": 0.01 * k + i for k in ks for i, m in enumerate(("hr", "recall", "ndcg"))}
    assert plot_metrics_at_k(metrics, ks, tmp_path / "k.png").read_bytes().startswith(PNG)
