"""matchkit-attention: a self-attention (Transformer encoder) sequence pooling for matchkit.

Importing this package is cheap (Hydra imports it to read ``matchkit_attention.conf``); the layer lives in
:mod:`matchkit_attention.pooling` and is registered when matchkit loads the ``matchkit.plugins`` entry
point :mod:`matchkit_attention.plugin`.
"""

__version__ = "0.1.0"
