"""Seeded toy data sets as NumPy arrays, and the lecture's data."""

from .lecture import (
    LECTURE_BOX,
    LECTURE_STARTS,
    LectureLine,
    NetworkData,
    lecture_gradient_descent,
    lecture_line,
    lecture_network,
    lecture_network_training,
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
    "LECTURE_BOX", "LECTURE_STARTS", "LectureLine", "NetworkData", "blobs", "circles",
    "lecture_classifier", "lecture_gradient_descent", "lecture_line", "lecture_network",
    "lecture_network_training", "lecture_problem", "lecture_start", "moons", "regression",
    "spirals", "train_test_split", "xor",
]
