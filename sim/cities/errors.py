"""The one error an import or a city file raises: a line naming the file and what is wrong."""

from __future__ import annotations

from polsim.scenario.validate import ScenarioError


class CityError(ScenarioError):
    """Bad input to ``polsim city import`` or a bad city file: one line, exit code 2.

    A :class:`~polsim.scenario.ScenarioError` (``file: field: problem``), so every command
    that reports a bad scenario reports a bad city the same way.
    """


class MissingPackageError(CityError):
    """A city needs an optional package that is not installed (``pip install NAME``)."""
