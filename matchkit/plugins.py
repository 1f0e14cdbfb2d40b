"""Plugin discovery through the ``matchkit.plugins`` entry-point group.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."matchkit.plugins"]
    my_plugin = "my_package.matchkit_plugin"

Loading the entry point imports that module (or calls it, if it names a callable), and the module
registers its components in matchkit's registries. Plugins load once per process; one that fails to
import is reported by name and skipped, never a crash.

``python -m matchkit.plugins`` lists the loaded plugins, what each registered, and which failed and why.
"""

from __future__ import annotations

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


def main() -> int:
    records = load_plugins()
    print(describe(records))
    registries = builtin_registries()
    print("\navailable components:")
    for kind, reg in registries.items():
        print(f"  {kind}: {', '.join(reg.names())}")
    return 1 if any(r.error for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
