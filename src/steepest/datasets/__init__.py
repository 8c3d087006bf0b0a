"""Seeded toy data sets as NumPy arrays, and the lecture's data."""

from .lecture import (
    LECTURE_BOX,
    LECTURE_STARTS,
    LectureLine,
    lecture_gradient_descent,
    lecture_line,
    lecture_problem,
    lecture_start,
)
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
    "LECTURE_BOX", "LECTURE_STARTS", "LectureLine", "blobs", "circles", "lecture_classifier",
    "lecture_gradient_descent", "lecture_line", "lecture_problem", "lecture_start", "moons",
    "regression", "spirals", "train_test_split", "xor",
]
