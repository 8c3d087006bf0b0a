"""Curvature: Hessian eigenvalues from exact Hessian-vector products, Hutchinson's trace, the
critical learning rate, and ``diagnose`` — why a run diverged, oscillated, crawled or stalled."""

from __future__ import annotations

from .diagnose import Diagnosis, diagnose
from .hessian import (
    CriticalLR,
    HessianEigs,
    TraceEstimate,
    contraction,
    critical_lr,
    hessian_eigs,
    hutchinson_trace,
    hvp_function,
    operator_eigs,
    sharpness,
    stability_constant,
)

__all__ = ["CriticalLR", "Diagnosis", "HessianEigs", "TraceEstimate", "contraction",
           "critical_lr", "diagnose", "hessian_eigs", "hutchinson_trace", "hvp_function",
           "operator_eigs", "sharpness", "stability_constant"]
