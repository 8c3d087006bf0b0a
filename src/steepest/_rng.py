"""Seeds: every random choice in steepest takes an int, a ``np.random.Generator`` or None."""

from __future__ import annotations

import numpy as np

RngLike = int | np.random.Generator | None


def as_generator(rng: RngLike) -> np.random.Generator:
    """A ``np.random.Generator`` from a seed, a Generator (returned as is) or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"seed/rng must be an int, a numpy.random.Generator or None, "
                    f"got {type(rng).__name__}")
