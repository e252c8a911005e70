"""The normalised table on disk: Parquet, its metadata inside it and beside it as JSON.

``mycity.parquet`` holds one row per source row (see :mod:`polsim.data.read`);
``mycity.meta.json`` repeats the metadata (source file, schema, counts by status and type)
for people; the copy in the Parquet schema is what :func:`read_records` trusts. Both are
written under temporary names and renamed, the table last, so a failed import leaves nothing
behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from polsim.data.errors import DataError
from polsim.data.read import Records
from polsim.replay.records import RECORDS_KEY as META_KEY


def sidecar_path(path: Path) -> Path:
    """``x.parquet`` -> ``x.meta.json``."""
    return Path(path).with_suffix(".meta.json")


def write_records(path: Path, records: Records) -> None:
    """Write the table and its metadata: both under temporary names first, then the sidecar
    renamed into place and the table last (it marks the import complete). A failure (a full or
    read-only disk) leaves neither new file, and no sidecar without its table.
    """
    path = Path(path)
    table = pa.Table.from_pandas(records.table, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           META_KEY: json.dumps(records.meta).encode()})
    text = json.dumps(records.meta, indent=2) + "\n"
    sidecar = sidecar_path(path)
    tmp_table, tmp_sidecar = (p.with_name(f".{p.name}.{os.getpid()}.tmp") for p in (path, sidecar))
    placed: list[Path] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp_table)
        tmp_sidecar.write_text(text, encoding="utf-8")
        os.replace(tmp_sidecar, sidecar)
        placed.append(sidecar)
        os.replace(tmp_table, path)
    except BaseException as err:
        for leftover in (tmp_table, tmp_sidecar, *placed):
            leftover.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise DataError("--out", str(path), f"cannot write: {err.strerror or err}") from None
        raise


def read_records(path: Path) -> Records:
    """A table written by ``polsim data import``; anything else is a one-line error."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise DataError(path, "", "file not found") from None
    except (OSError, pa.ArrowInvalid) as err:
        raise DataError(path, "", f"not a Parquet file ({str(err).splitlines()[0]}); "
                        "allowed: a table written by polsim data import") from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise DataError(path, "", "has no polsim metadata; allowed: a table written by polsim data import")
    meta: dict[str, Any] = json.loads(raw)
    df: pd.DataFrame = table.to_pandas()
    return Records(df, meta)
