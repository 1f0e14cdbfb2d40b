"""A small generic registry: register components by name, build them from config.

Each registry kind (features, poolings, samplers, models, datasets) owns one :class:`Registry`
instance in its package ``__init__``; its docstring states what an entry is called with and returns.

    SAMPLERS = Registry("sampler", "...contract...")

    @SAMPLERS.register("inbatch")
    class InBatchSampler: ...

    SAMPLERS.get("inbatch")        # -> InBatchSampler
    SAMPLERS.get("inbach")         # RegistryError: unknown sampler 'inbach'; did you mean 'inbatch'? available: ...
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Iterator, TypeVar

from matchkit.errors import RegistryError

T = TypeVar("T")


class Registry:
    """Name -> component mapping for one kind of component.

    Args:
        kind: singular noun used in messages, e.g. ``"sampler"``.
        contract: what an entry is called with and what it returns (shown by ``describe``).
    """

    def __init__(self, kind: str, contract: str = "") -> None:
        self.kind = kind
        self.contract = contract
        self._entries: dict[str, Any] = {}
        self._origin: dict[str, str] = {}

    def register(self, name: str | None = None, *, override: bool = False) -> Callable[[T], T]:
        """Decorator registering ``obj`` under ``name`` (default: ``obj.__name__``).

        Registering a taken name raises ``ValueError`` unless ``override=True``.
        """

        def deco(obj: T) -> T:
            key = name or getattr(obj, "__name__")
            if key in self._entries and not override and self._entries[key] is not obj:
                raise ValueError(
                    f"{self.kind} '{key}' is already registered by {self._origin[key]}; "
                    "pass override=True to replace it"
                )
            self._entries[key] = obj
            self._origin[key] = getattr(obj, "__module__", "?")
            return obj

        return deco

    def get(self, name: str) -> Any:
        """The entry called ``name``; an unknown name raises :class:`RegistryError` listing the choices."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise RegistryError(self.unknown_message(name)) from None

    def build(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """``get(name)(*args, **kwargs)``, with a constructor's ``TypeError`` turned into a config error."""
        entry = self.get(name)
        try:
            return entry(*args, **kwargs)
        except TypeError as exc:
            from matchkit.errors import ConfigError

            raise ConfigError(f"cannot build {self.kind} '{name}': {exc}") from exc

    def unknown_message(self, name: Any) -> str:
        names = self.names()
        close = difflib.get_close_matches(str(name), names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ";"
        return f"unknown {self.kind} '{name}'{hint} available: {', '.join(names) or '(none)'}"

    def names(self) -> list[str]:
        return sorted(self._entries)

    def origin(self, name: str) -> str:
        """Module that registered ``name``."""
        return self._origin[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
