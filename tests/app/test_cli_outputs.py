"""What a finished run leaves behind, that the same seed gives the same metrics, and the recommend command."""

import json
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import SMALL, cli_env, results, run_matchkit

PNG = b"\x89PNG\r\n\x1a\n"


ARGS = [*SMALL, "trainer.tensorboard=true", "export.index=flat"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("outputs") / "run"
    proc = run_matchkit(run_dir, *ARGS)
    assert proc.returncode == 0, proc.stderr
    return run_dir


def test_same_seed_same_metrics(run_dir, tmp_path):
    proc = run_matchkit(tmp_path / "again", *ARGS)
    assert proc.returncode == 0, proc.stderr
    first, second = results(run_dir), results(tmp_path / "again")
    assert first == second  # bit for bit: the loss of every epoch, HR/Recall/NDCG/MRR at every K
    assert len(first["loss"]) == 2 and first["hr@50_filtered"] > 0.5


def test_run_json_records_seed_versions_config_and_data(run_dir):
    record = json.loads((run_dir / "run.json").read_text())
    assert record["seed"] == 42
    assert {"python", "matchkit", "tensorflow", "keras", "numpy", "hydra-core"} <= set(record["versions"])
    assert record["versions"]["tensorflow"]
    assert record["overrides"] == ARGS
    config = record["config"]
    assert config["trainer"]["epochs"] == 2 and config["dataset"]["n_users"] == 200
    hist = next(f for f in config["features"]["user"] if f["name"] == "hist_movie_id")
    assert hist["maxlen"] == 50  # resolved, not "${samples.seq_len}"
    assert record["data"]["parameters"]["n_items"] == 100 and record["data"]["n_users"] == 200


def test_plots_and_tensorboard_events_are_written(run_dir):
    for name in ("loss.png", "metrics_at_k.png"):
        data = (run_dir / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000
    events = list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert len(events) == 1 and events[0].stat().st_size > 0
    import tensorflow as tf

    tags = {}
    for event in tf.compat.v1.train.summary_iterator(str(events[0])):
        for value in event.summary.value:
            tags.setdefault(value.tag, []).append(event.step)
    assert tags["train/loss"] == [1, 2] and tags["train/epoch_seconds"] == [1, 2]
    assert tags["test/hr@50"] == [2] and tags["test/ndcg@10_filtered"] == [2]


def test_no_temporary_files_are_left(run_dir):
    assert not [p for p in run_dir.rglob("*") if "partial" in p.name]
    assert {"metrics.json", "user_tower.keras", "users.npz", "items.faiss"} <= {p.name for p in run_dir.iterdir()}


def recommend(run_dir, *args):
    return subprocess.run([sys.executable, "-m", "matchkit.recommend", str(run_dir), *args],
                          capture_output=True, text=True, env=cli_env(), timeout=300)


def exact_top(run_dir, user, k, include_seen=False):
    """Raw item ids of the exact top-``k`` by the exported embeddings (the flat index must agree)."""
    users = np.load(run_dir / "users.npz")
    items = np.load(run_dir / "item_embeddings.npz")
    row = users["raw_ids"].tolist().index(str(user))
    seen = users["seen_items"][users["seen_ptr"][row]:users["seen_ptr"][row + 1]]
    scores = items["embeddings"] @ users["embeddings"][row]
    if not include_seen:
        scores[np.isin(items["ids"], seen)] = -np.inf
    order = np.argsort(-scores, kind="stable")[:k]
    return items["raw_ids"][order].tolist(), set(items["raw_ids"][np.isin(items["ids"], seen)].tolist())


def test_recommend_gives_k_distinct_unseen_items_in_score_order(run_dir):
    proc = recommend(run_dir, "--user", "42", "--k", "10", "--json")
    assert proc.returncode == 0, proc.stderr
    recs = json.loads(proc.stdout)
    items = [r["item"] for r in recs]
    scores = [r["score"] for r in recs]
    expected, seen = exact_top(run_dir, 42, 10)
    assert len(items) == len(set(items)) == 10
    assert not set(items) & seen and len(seen) >= 10
    assert scores == sorted(scores, reverse=True)
    assert items == expected
    assert all(r["title"].startswith(f"Item {r['item']} (genre") for r in recs)


def test_recommend_include_seen_and_the_printed_table(run_dir):
    proc = recommend(run_dir, "--user", "42", "--k", "5", "--include-seen")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "top 5 items for user 42 (seen items included)"
    assert lines[1].split() == ["rank", "item", "score", "title"]
    expected, _ = exact_top(run_dir, 42, 5, include_seen=True)
    assert [line.split()[1] for line in lines[2:]] == expected


@pytest.mark.parametrize("case", ["unknown_user", "no_export"])
def test_recommend_errors(run_dir, tmp_path, case):
    target = run_dir if case == "unknown_user" else tmp_path
    proc = recommend(target, "--user", "999999" if case == "unknown_user" else "42")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    message = proc.stderr.strip().splitlines()[-1]
    if case == "unknown_user":
        assert "user 999999 is not in the export" in message and "200 users" in message
    else:
        assert "has no complete export (missing user_tower.keras" in message and "export.enabled=true" in message
