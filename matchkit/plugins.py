"""Plugin discovery through the ``matchkit.plugins`` entry-point group.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."matchkit.plugins"]
    my_plugin = "my_package.matchkit_plugin"

Loading the entry point imports that module (or calls it, if it names a callable), and the module
registers its components in matchkit's registries. Plugins load once per process; one that fails to
import is reported by name and skipped, never a crash.

Its configs (experiments, config group options) reach Hydra through a ``SearchPathPlugin`` in a module
under ``hydra_plugins/<package>/`` that imports nothing heavy (never TensorFlow); see the README, "Plugins".

``python -m matchkit.plugins`` lists the loaded plugins, what each registered, which failed and why, and
the config search path entries that Hydra plugins add.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points

GROUP = "matchkit.plugins"


@dataclass
class PluginRecord:
    """What happened when one entry point was loaded."""

    name: str
    value: str
    error: str | None = None
    registered: dict[str, list[str]] = field(default_factory=dict)


_loaded: list[PluginRecord] | None = None


def builtin_registries() -> dict:
    """kind -> registry, with the built-in components imported (and so registered)."""
    from matchkit.datasets import DATASETS
    from matchkit.features import FEATURES
    from matchkit.models import MODELS
    from matchkit.pooling import POOLINGS
    from matchkit.samplers import SAMPLERS

    return {r.kind: r for r in (FEATURES, POOLINGS, SAMPLERS, MODELS, DATASETS)}


def _snapshot(registries: dict) -> dict[str, set[str]]:
    return {kind: set(reg.names()) for kind, reg in registries.items()}


def load_plugins(force: bool = False) -> list[PluginRecord]:
    """Load every ``matchkit.plugins`` entry point once; return a record per plugin."""
    global _loaded
    if _loaded is not None and not force:
        return _loaded
    registries = builtin_registries()
    records = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        record = PluginRecord(ep.name, ep.value)
        before = _snapshot(registries)
        try:
            obj = ep.load()
            if callable(obj):
                obj()
        except Exception as exc:  # a broken plugin must not stop the others
            record.error = f"{type(exc).__name__}: {exc}"
            print(f"matchkit: warning: plugin '{ep.name}' ({ep.value}) failed to load and was skipped: "
                  f"{record.error}", file=sys.stderr)
        after = _snapshot(registries)
        record.registered = {k: sorted(after[k] - before[k]) for k in after if after[k] - before[k]}
        records.append(record)
    _loaded = records
    return records


def describe(records: list[PluginRecord]) -> str:
    """Human-readable listing of plugins and the components they registered."""
    if not records:
        return f"no plugins installed (entry-point group '{GROUP}')"
    lines = []
    for r in records:
        if r.error:
            lines.append(f"{r.name} ({r.value}): FAILED - {r.error}")
            continue
        what = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in r.registered.items()) or "nothing"
        lines.append(f"{r.name} ({r.value}): registered {what}")
    return "\n".join(lines)


def config_search_paths() -> list[tuple[str, str, str]]:
    """``(plugin class, provider, path)`` for each config search path entry a Hydra SearchPathPlugin adds.

    A SearchPathPlugin that raises is listed with the error as its path.
    """
    from hydra._internal.config_search_path_impl import ConfigSearchPathImpl
    from hydra.core.plugins import Plugins
    from hydra.plugins.search_path_plugin import SearchPathPlugin

    rows = []
    for plugin in Plugins.instance().discover(SearchPathPlugin):
        name = f"{plugin.__module__}.{plugin.__name__}"
        search_path = ConfigSearchPathImpl()
        try:
            plugin().manipulate_search_path(search_path)
        except Exception as exc:  # report, do not crash the listing
            rows.append((name, "?", f"FAILED - {type(exc).__name__}: {exc}"))
            continue
        rows += [(name, str(e.provider), str(e.path)) for e in search_path.get_path()]
    return rows


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    records = load_plugins()
    print(describe(records))
    paths = config_search_paths()
    print("\nconfig search path added by Hydra plugins:")
    print("\n".join(f"  {path} (provider {provider}, {plugin})" for plugin, provider, path in paths) or "  (none)")
    registries = builtin_registries()
    print("\navailable components:")
    for kind, reg in registries.items():
        print(f"  {kind}: {', '.join(reg.names())}")
    return 1 if any(r.error for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
