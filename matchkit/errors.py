"""User-facing errors.

A :class:`MatchkitError` is a problem with the user's input (config, data, environment) rather than a bug.
The command line prints it as one short message naming the problem and the fix, and exits non-zero;
a traceback is shown only with ``HYDRA_FULL_ERROR=1``.
"""


class MatchkitError(Exception):
    """Bad input: the message says what is wrong and how to fix it."""


class ConfigError(MatchkitError, ValueError):
    """A config value is missing, mistyped or out of range."""


class DataError(MatchkitError):
    """A data file is missing, unreadable or malformed."""


class RegistryError(ConfigError, KeyError):
    """A name is not in a registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
