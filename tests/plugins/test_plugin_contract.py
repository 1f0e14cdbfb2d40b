"""The plugin contract end to end: both plugins installed from plugins/, plus one that fails to import."""

import json
import zipfile
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from plugin_helpers import PLUGINS, ROOT, TINY, TINY_SYNTHETIC, run_python

HERE = Path(__file__).resolve().parent


def test_each_plugins_own_tests_pass_against_the_installed_plugin(plugin_site):
    # in a process of their own: registering the plugins' components here would change what other tests see
    proc = run_python(["-m", "pytest", "-q", "-p", "no:cacheprovider", *(f"plugins/{p}/tests" for p in PLUGINS)],
                      path=[plugin_site], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout.splitlines()[-1] and "skipped" not in proc.stdout.splitlines()[-1]


def test_listing_shows_registrations_search_paths_and_failures(plugin_site, broken_site, tmp_path):
    proc = run_python(["-m", "matchkit.plugins"], path=[plugin_site, broken_site], cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # a plugin failed
    out = proc.stdout
    assert "attention (matchkit_attention.plugin): registered pooling: attention" in out
    assert "movielens (matchkit_movielens.plugin): registered dataset: ml20m, ml25m, ml_latest_small" in out
    assert ("broken (matchkit_broken_plugin): FAILED - ModuleNotFoundError: "
            "No module named 'a_module_that_does_not_exist'") in out
    assert "pkg://matchkit_attention.conf (provider matchkit-attention" in out
    assert "pkg://matchkit_movielens.conf (provider matchkit-movielens" in out
    assert "pooling: attention, max, mean, sum, weighted" in out
    assert "plugin 'broken' (matchkit_broken_plugin) failed to load and was skipped" in proc.stderr


def test_listing_without_plugins(tmp_path):
    if list(entry_points(group="matchkit.plugins")):
        pytest.skip("plugins are installed in this environment")
    proc = run_python(["-m", "matchkit.plugins"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no plugins installed (entry-point group 'matchkit.plugins')" in proc.stdout
    assert "dataset: ml1m, synthetic, tabular" in proc.stdout


def test_every_config_composes_without_tensorflow_and_builds(plugin_site, tmp_path):
    proc = run_python([str(HERE / "compose_all.py")], path=[plugin_site], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["heavy_modules_after_compose"] == []  # plugin search paths and schemas import no TF
    failed = {name: result for name, result in report["configs"].items() if result.startswith("FAILED")}
    assert not failed, "\n".join(failed.values())
    options = report["options"]
    assert {"dssm_ml1m", "dssm_attention_ml1m", "dssm_ml25m"} <= set(options["experiment"])
    assert {"ml1m", "synthetic", "tabular", "ml20m", "ml25m", "ml_latest_small"} <= set(options["dataset"])
    assert report["features_built"] == sorted(options["features"])  # every features option was built
    assert report["configs"]["+experiment=dssm_ml25m"].startswith("ML25M, dssm")
    assert report["sweepers"]["+hparams_search=dssm_optuna"].endswith("OptunaSweeper")
    assert report["plugins"] == {"attention": {"pooling": ["attention"]},
                                 "movielens": {"dataset": ["ml20m", "ml25m", "ml_latest_small"]}}


def test_attention_experiment_runs_and_a_broken_plugin_is_skipped(plugin_site, broken_site, tmp_path):
    run_dir = tmp_path / "run"
    proc = run_python(["-m", "matchkit", "+experiment=dssm_attention_ml1m", *TINY_SYNTHETIC, f"hydra.run.dir={run_dir}"],
                      path=[plugin_site, broken_site], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "plugin 'broken' (matchkit_broken_plugin) failed to load and was skipped" in proc.stderr
    assert 0.0 <= json.loads((run_dir / "metrics.json").read_text())["hr@50"] <= 1.0
    # the exported user tower pools the movie history with the plugin's layer
    with zipfile.ZipFile(run_dir / "user_tower.keras") as zf:
        tower = zf.read("config.json").decode()
    assert '"class_name": "SelfAttentionPooling"' in tower and '"name": "pool_hist_movie_id"' in tower


def test_movielens_experiment_runs_on_small_files(plugin_site, tmp_path):
    made = run_python(["-m", "matchkit_movielens.sample", str(tmp_path / "data")], path=[plugin_site])
    assert made.returncode == 0, made.stderr
    run_dir = tmp_path / "run"
    proc = run_python(["-m", "matchkit", "+experiment=dssm_ml25m", "dataset=ml_latest_small",
                       f"dataset.data_dir={tmp_path / 'data'}", "dataset.download=false", "dataset.max_genres=4",
                       *TINY, "export.enabled=false", f"hydra.run.dir={run_dir}"], path=[plugin_site], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "data: MovieLens ml-latest-small" in proc.stdout
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n_users"] == 60 and 0.0 <= metrics["hr@50"] <= 1.0
