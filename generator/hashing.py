"""64-bit digests of runs of numbers, computed over whole arrays at once.

Each value is mixed by splitmix64's finaliser (a bijection that spreads every
input bit over the output) and a run's mixed values are added up modulo 2^64:
two runs with equal digests hold the same values, but for odds of one in 2^64.
Mix in a value's position when order matters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

GOLDEN = 0x9E3779B97F4A7C15
"""2^64 divided by the golden ratio: multiplying by it spreads small numbers over 64 bits."""


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser of each uint64 value, in place; returns `values`."""
    import numpy as np

    values ^= values >> np.uint64(30)
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    values ^= values >> np.uint64(31)
    return values


def run_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The sum modulo 2^64 of each run `values[bounds[i]:bounds[i + 1]]` (uint64); an empty run's is 0.
    `bounds` are offsets into `values`, starting at 0."""
    import numpy as np

    running = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values, out=running[1:])
    return running[bounds[1:]] - running[bounds[:-1]]
