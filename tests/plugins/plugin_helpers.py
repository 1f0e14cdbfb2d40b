"""Running Python in a subprocess with extra folders on PYTHONPATH (imported by the tests beside it)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ("matchkit-attention", "matchkit-movielens")

# A tiny model trained one epoch without XLA; TINY_SYNTHETIC adds the smallest synthetic data.
TINY = ["samples.seq_len=8", "model.user_dnn_units=[16]", "model.item_dnn_units=[16]", "trainer.epochs=1",
        "trainer.batch_size=64", "trainer.jit_compile=false", "trainer.progress=false", "eval.ks=[10,50]"]
TINY_SYNTHETIC = ["dataset=synthetic", "dataset.n_users=80", "dataset.n_items=60",
                  "dataset.interactions_per_user=[5,12]", *TINY]


def run_python(args, *, path=(), cwd=None, timeout=600) -> subprocess.CompletedProcess:
    """``python args...`` with the folders ``path`` on PYTHONPATH; output captured as text."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=os.pathsep.join([*map(str, path), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
