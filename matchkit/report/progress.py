"""Progress bars for the stages of a run (tqdm; silent when stderr is not a terminal)."""

from __future__ import annotations

import contextlib
from typing import Iterator, Sequence

from tqdm.auto import tqdm


@contextlib.contextmanager
def stage_bar(desc: str, stages: Sequence[str], enabled: bool = True) -> Iterator:
    """A bar over named ``stages``; call ``next_stage()`` when one is done.

    ``enabled=False`` silences it; otherwise tqdm shows it only on a terminal (``disable=None``).
    """
    bar = tqdm(total=len(stages), desc=desc, unit="stage", leave=False, disable=None if enabled else True)
    names = iter(stages)
    bar.set_postfix_str(next(names, ""), refresh=True)

    def next_stage() -> None:
        bar.set_postfix_str(next(names, ""), refresh=False)
        bar.update(1)

    try:
        yield next_stage
    finally:
        bar.close()
