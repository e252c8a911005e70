"""The run's clock: simulated minutes since the start (SimPy's) read as the time of day."""

from __future__ import annotations

import simpy


class Clock:
    """Time of day on a SimPy environment whose minute 0 is ``start_hour`` o'clock.

    Components that follow the hour (traffic, footfall, shifts) read it here rather than
    from the model, so they can be built and tested with an environment alone.
    """

    def __init__(self, env: simpy.Environment, start_hour: int) -> None:
        self.env = env
        self.start_hour = start_hour

    @property
    def now(self) -> float:
        """Simulated minutes since the start."""
        return self.env.now

    @property
    def hour(self) -> int:
        """Hour of the day (0-23) now."""
        return int(self.start_hour + self.env.now // 60) % 24

    @property
    def hour_of_day(self) -> float:
        """Hours since midnight now, with the fraction (0 <= h < 24)."""
        return (self.start_hour + self.env.now / 60.0) % 24
