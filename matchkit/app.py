"""The command line: ``python -m matchkit [+experiment=NAME] [overrides...]``.

Only wires the composed config to :func:`matchkit.run.run`; user errors become one short message
and a non-zero exit (a traceback only with ``HYDRA_FULL_ERROR=1``).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import hydra  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from matchkit.config import register_configs  # noqa: E402
from matchkit.errors import MatchkitError  # noqa: E402

register_configs()


@hydra.main(version_base="1.3", config_path="pkg://matchkit.conf", config_name="config")
def _hydra_main(cfg: DictConfig) -> float | None:
    from matchkit.run import run

    try:
        return run(cfg)
    except MatchkitError as exc:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"matchkit: error: {exc}", file=sys.stderr)
        sys.exit(2)


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
