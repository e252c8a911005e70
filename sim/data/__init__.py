"""A police force's records in polsim: import them, calibrate a scenario to them, back-test it.

``polsim data import`` reads calls-for-service or crime records (data.police.uk, Detroit,
New Orleans, or any CSV through a column map) into one normalised Parquet table;
``polsim calibrate`` fits a scenario's baseline crime field, hourly profile, type mix and
report delays to a period of it; ``polsim backtest`` compares the calibrated model with a
period the fit never saw.
"""

from polsim.data.errors import DataError

__all__ = ["DataError"]
