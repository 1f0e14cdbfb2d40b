"""The command line: ``python -m matchkit [+experiment=NAME] [overrides...]``.

Only wires the composed config to :func:`matchkit.run.run`; user errors become one short message
and a non-zero exit (a traceback only with ``HYDRA_FULL_ERROR=1``). In a multirun (``-m``) a failing job
leaves ``error.txt`` in its directory and returns NaN instead, so the sweep goes on (matchkit/sweep/).
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
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from matchkit.run import output_dir, run

    try:
        return run(cfg)
    except Exception as exc:
        # in a sweep one failed job must not end the others (a signal, which carries exit_code, still does)
        if HydraConfig.get().mode == RunMode.MULTIRUN and not hasattr(exc, "exit_code"):
            from matchkit.sweep import record_failure

            path = record_failure(output_dir(), exc)
            print(f"matchkit: job failed: {type(exc).__name__}: {exc} (recorded in {path})", file=sys.stderr)
            return float("nan")
        if not isinstance(exc, MatchkitError) or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"matchkit: error: {exc}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 2))  # 2; 128 + signal for a run stopped by SIGTERM


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
