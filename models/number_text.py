"""Float columns as the text pandas writes for them (NumPy's shortest repr), formatted by Arrow where equal.

pandas' CSV writer and ``Series.astype(str)`` both use ``ndarray.astype(str)``, which is slow for
millions of values. Arrow's cast prints the same digits for floats that are not whole numbers
between 1e-4 and 1e9 (fixed notation, shortest round-trip digits), so only the rest go to NumPy.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_ARROW_RANGE = (1e-4, 1e9)


def float_text(numbers: np.ndarray, nan: str = "") -> pa.Array:
    """``numbers.astype(str)`` as an Arrow string array, with ``nan`` for NaN cells."""
    numbers = np.asarray(numbers, dtype=np.float64)
    text = pc.cast(pa.array(numbers), pa.string())
    size = np.abs(numbers)
    with np.errstate(invalid="ignore"):
        own = ~((size >= _ARROW_RANGE[0]) & (size < _ARROW_RANGE[1]) & (numbers != np.floor(numbers)))
    if not own.any():
        return text
    cells = text.to_numpy(zero_copy_only=False)
    cells[own] = numbers[own].astype(str)
    cells[np.isnan(numbers)] = nan
    return pa.array(cells, type=pa.string())
