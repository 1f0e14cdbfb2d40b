"""matchkit-movielens: the CSV releases of MovieLens (ml-20m, ml-25m, ml-latest-small) as matchkit datasets.

Importing this package is cheap (Hydra imports it to read ``matchkit_movielens.conf``); the datasets are in
:mod:`matchkit_movielens.datasets`, registered when matchkit loads the entry point
:mod:`matchkit_movielens.plugin`.
"""

__version__ = "0.1.0"
