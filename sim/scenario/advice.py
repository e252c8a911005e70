"""What a valid scenario may not mean: warnings for a city where no crime can happen.

A scenario with no offenders, or with zero attractiveness, is valid and useful (the queueing
validation runs disputes only), so it is not refused; but a user who meant a city with crime
should hear that theirs has none. :func:`warnings` gives one line per reason.
"""

from __future__ import annotations

from polsim.scenario.schema import LAND_USES, ScenarioSpec


def warnings(spec: ScenarioSpec) -> list[str]:
    """Why no crime can happen in ``spec`` (empty if crime can happen), one line per reason.

    Attractiveness is ``A0 x land-use weight x hour factor + B``, and ``B`` only grows from
    crimes, so a zero in any factor of the first term (everywhere) means no crime ever.
    """
    o, f = spec.offenders, spec.field
    reasons = []
    births = o.model == "short2008" and o.short2008_birth_rate > 0
    if o.count == 0 and not births:
        reasons.append("offenders.count is 0")
    if f.a0_per_min == 0:
        reasons.append("field.a0_per_min is 0")
    if not any(f.crime_by_hour):
        reasons.append("field.crime_by_hour is 0 at every hour")
    if not any(f.land_use_weight.get(use, 1.0) for use in LAND_USES if use != "blocked"):
        reasons.append("field.land_use_weight is 0 for every land use")
    if not reasons:
        return []
    disputes = "only disputes (and their escalations) make incidents" if spec.disputes.per_day > 0 else \
        "and no disputes either: nothing will happen"
    return [f"no crime can happen: {'; '.join(reasons)}; {disputes}"]
