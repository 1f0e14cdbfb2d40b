"""Package layout only (metadata lives in pyproject.toml): the top-level ``conf/`` ships as ``matchkit.conf``."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["matchkit", "matchkit.*"]) + ["matchkit.conf"],
    package_dir={"matchkit.conf": "conf"},
)
