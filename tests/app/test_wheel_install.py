"""A wheel built from the checkout carries conf/ and runs the CLI from any directory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory):
    wheels = tmp_path_factory.mktemp("wheels")
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(ROOT)], check=True)
    wheel = next(wheels.glob("matchkit-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    str(wheel)], check=True)
    return site


def test_wheel_ships_configs_and_prints_composed_experiment(wheel_site, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(wheel_site)}
    probe = subprocess.run([sys.executable, "-c", "import matchkit; print(matchkit.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip().startswith(str(wheel_site))
    assert (wheel_site / "matchkit" / "conf" / "experiment" / "dssm_ml1m.yaml").is_file()
    out = subprocess.run([sys.executable, "-m", "matchkit", "+experiment=dssm_ml1m", "--cfg", "job"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "name: ml1m" in out.stdout and "temperature: 0.05" in out.stdout
    assert "hist_movie_id" in out.stdout
