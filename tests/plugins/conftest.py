"""Fixtures: the two plugins under plugins/ installed into a temporary folder, and a broken plugin.

Installing into a folder put on ``PYTHONPATH`` (not into the test environment) keeps every other test
free of plugins; the commands run in subprocesses, as a user runs them.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from plugin_helpers import PLUGINS, ROOT


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory) -> Path:
    """A folder with both plugins installed (``pip install --no-deps --target``)."""
    site = tmp_path_factory.mktemp("plugin_site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), *(str(ROOT / "plugins" / p) for p in PLUGINS)], check=True)
    return site


@pytest.fixture(scope="session")
def broken_site(tmp_path_factory) -> Path:
    """A folder holding an installed plugin whose module fails to import."""
    site = tmp_path_factory.mktemp("broken_site")
    (site / "matchkit_broken_plugin.py").write_text("import a_module_that_does_not_exist  # noqa\n")
    info = site / "matchkit_broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: matchkit-broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[matchkit.plugins]\nbroken = matchkit_broken_plugin\n")
    return site
