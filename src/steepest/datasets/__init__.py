"""Seeded toy data sets as NumPy arrays, and the lecture's data."""

from .lecture import LectureLine, lecture_gradient_descent, lecture_line
from .toy import (
    blobs,
    circles,
    lecture_classifier,
    moons,
    regression,
    spirals,
    train_test_split,
    xor,
)

__all__ = [
    "LectureLine", "blobs", "circles", "lecture_classifier", "lecture_gradient_descent",
    "lecture_line", "moons",
    "regression", "spirals", "train_test_split", "xor",
]
