"""Which scenario crime type each of a source's types becomes: a mapping table in TOML.

```toml
[types]
"Burglary" = "burglary"
"Anti-social behaviour" = ""   # not a crime the model makes: ignored on purpose, and counted
"Disturbance" = "dispute"      # the model's disputes ([disputes]), not a crime type
"*" = ""                       # optional: every type not listed is ignored on purpose too
```

Source types match case- and space-insensitively. A type that the table neither maps nor
ignores is an error: a silently dropped category would bias every rate fitted from the data.
The built-in tables map each built-in schema onto the default scenario's types.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from polsim.data.errors import DataError, row_label

CATCH_ALL = "*"

DISPUTE = "dispute"
"""The target of a source type that is the model's disputes (a disturbance, a domestic, a
quarrel: ``"Disturbance" = "dispute"``), not one of its crime types; the model's own name for
the incidents of ``[disputes]``."""

POLICE_UK_TYPES = {
    "Anti-social behaviour": "",
    "Bicycle theft": "ebike_theft",
    "Burglary": "burglary",
    "Criminal damage and arson": "",
    "Drugs": "",
    "Other crime": "",
    "Other theft": "",
    "Possession of weapons": "",
    "Public order": "",
    "Robbery": "robbery",
    "Shoplifting": "",
    "Theft from the person": "pickpocketing",
    "Vehicle crime": "",
    "Violence and sexual offences": "assault",
}
"""data.police.uk's fourteen categories: those the model has a type for, the rest ignored."""

DETROIT_TYPES = {
    "ASSAULT AND BATTERY": "assault",
    "FELONIOUS ASSAULT IP": "assault",
    "ROBBERY IP": "robbery",
    "ROBBERY ARMED IP": "robbery",
    "B & E IP": "burglary",
    "B & E REPORT": "burglary",
    "LARCENY REPORT": "pickpocketing",
    CATCH_ALL: "",
}
"""A starting point for Detroit's call descriptions; most calls are not crimes (traffic,
alarms, welfare checks), hence the catch-all. Check your extract's descriptions."""

NEW_ORLEANS_TYPES = {
    "SIMPLE BATTERY": "assault",
    "AGGRAVATED BATTERY": "assault",
    "SIMPLE ASSAULT": "assault",
    "AGGRAVATED ASSAULT": "assault",
    "ARMED ROBBERY": "robbery",
    "SIMPLE ROBBERY": "robbery",
    "RESIDENCE BURGLARY": "burglary",
    "BUSINESS BURGLARY": "burglary",
    "SIMPLE BURGLARY VEHICLE": "ebike_theft",
    "THEFT": "pickpocketing",
    CATCH_ALL: "",
}
"""A starting point for NOPD's TypeText values, with a catch-all for the non-crime calls."""

BUILT_IN = {"police_uk": POLICE_UK_TYPES, "detroit": DETROIT_TYPES, "new_orleans": NEW_ORLEANS_TYPES}


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@dataclass(frozen=True)
class TypeMap:
    """Source type -> scenario type ("" ignores it); ``None`` table: each type is its own name."""

    table: Mapping[str, str] | None
    source: str

    @property
    def targets(self) -> set[str]:
        """The scenario types the table maps onto."""
        return {t for t in (self.table or {}).values() if t}

    def apply(self, types: pd.Series, file: str, column: str) -> pd.Series:
        """Each row's scenario type ("" = ignored on purpose); an unmapped type is an error."""
        keys = types.map(_key)
        if self.table is None:
            return types.str.strip()
        table = {_key(k): v for k, v in self.table.items()}
        mapped = keys.map(table)
        missing = mapped.isna()
        if missing.any() and CATCH_ALL in table:
            mapped[missing] = table[CATCH_ALL]
        elif missing.any():
            first = int(np.flatnonzero(missing.to_numpy())[0])
            others = types[missing].unique()
            more = f" (and {len(others) - 1} other types, {int(missing.sum())} rows in all)" if len(others) > 1 else ""
            raise DataError(file, f"{row_label(first)}, column {column!r}",
                            f"type {types.iloc[first]!r} has no mapping in {self.source}{more}; "
                            "map it to a scenario type, or to \"\" to ignore it, in a --types file")
        return mapped.astype(str)

    def check_targets(self, allowed: Iterable[str], where: str) -> None:
        """Every type the table maps onto must be one of the scenario's (its crime types, and
        :data:`DISPUTE` where the caller allows it).
        """
        allowed = list(allowed)
        bad = sorted(self.targets - set(allowed))
        if bad:
            raise DataError(self.source, where, f"maps onto unknown crime type {bad[0]!r}; "
                            f"allowed: {', '.join(allowed)} (or \"\" to ignore)")


def type_map_for(schema: str, path: Path | None = None) -> TypeMap:
    """The ``--types`` file if given, else the schema's built-in table (generic: identity)."""
    if path is not None:
        return read_type_map(path)
    if schema in BUILT_IN:
        return TypeMap(BUILT_IN[schema], f"the built-in {schema} types")
    return TypeMap(None, "the source's own type names")


def read_type_map(path: Path) -> TypeMap:
    """A ``[types]`` table of source type = scenario type, from a TOML file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise DataError(path, "", f"not a TOML type mapping: {str(err).splitlines()[0]}") from None
    table = data.get("types")
    if not isinstance(table, dict) or not table:
        raise DataError(path, "types", "must be a table of \"source type\" = \"scenario type\"")
    for key, value in table.items():
        if not isinstance(value, str):
            raise DataError(path, f"types.{key!r}", f"must be a scenario type name or \"\", got {value!r}")
    return TypeMap(table, str(path))
