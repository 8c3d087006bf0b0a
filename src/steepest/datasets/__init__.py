"""Seeded toy data sets as NumPy arrays, and the lecture's data."""

from .lecture import LectureLine, lecture_line

__all__ = ["LectureLine", "lecture_line"]
