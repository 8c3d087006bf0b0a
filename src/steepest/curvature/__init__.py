"""Curvature: Hessian eigenvalues from exact Hessian-vector products, Hutchinson's trace, the
critical learning rate of every optimizer (``critical_lr``, ``sharpness``), sharpness and
per-layer gradients tracked during training (:mod:`~steepest.curvature.tracking`), the
Hessian's eigenvalue density (``spectral_density``),
``diagnose`` — why a run diverged, oscillated, crawled, stalled or hovers at the edge of
stability — and ``stability_map``: which starts converge, stay bounded or diverge at each
learning rate — and ``trainability_map``: which per-layer rates train a network."""

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
    top_eig,
)
from .spectrum import SpectralDensity, spectral_density
from .stability import StabilityMap, stability_map
from .tracking import LayerGradients, SharpnessTracker
from .trainability import TrainabilityMap, trainability_map

__all__ = ["CriticalLR", "Diagnosis", "HessianEigs", "LayerGradients", "SharpnessTracker",
           "SpectralDensity", "StabilityMap", "TraceEstimate", "TrainabilityMap", "contraction",
           "critical_lr", "diagnose", "hessian_eigs", "hutchinson_trace", "hvp_function",
           "operator_eigs", "sharpness", "spectral_density", "stability_constant",
           "stability_map", "top_eig", "trainability_map"]
