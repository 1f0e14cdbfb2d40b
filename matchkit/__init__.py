"""matchkit.

Importing matchkit before TensorFlow turns off TensorFlow's oneDNN custom CPU kernels
(``TF_ENABLE_ONEDNN_OPTS=0``) unless the variable is already set: in TensorFlow 2.21 those kernels'
matrix products now and then corrupt the heap, which kills the process (tensorflow/tensorflow#117700 and
#123109). Training under XLA (``trainer.jit_compile``, the default) does not use them either way.
"""

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
