"""Neural networks on the autodiff engine: neurons, layers, MLPs, losses, training, save/load.

>>> import steepest as st
>>> net = st.nn.MLP(3, [4, 4, 1], seed=0)       # the lecture's 3 → 4 → 4 → 1 classifier
>>> X, y = st.datasets.lecture_classifier(seed=0)
>>> loss = st.nn.binary_cross_entropy_with_logits(net(X), y)
>>> loss.backward()                              # ∂loss/∂w for all 41 weights
"""

from __future__ import annotations

from . import init, metrics
from .activations import (
    GELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    gelu,
    get_activation,
    identity,
    leaky_relu,
    relu,
    sigmoid,
    softplus,
    tanh,
)
from .layers import MLP, Dropout, Layer, Linear, Neuron
from .losses import (
    LOSS_INFO,
    LOSSES,
    LossInfo,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    hinge,
    huber,
    l2_penalty,
    loss_info,
    mae,
    mse,
)
from .lr_find import LRFinder, lr_find
from .metrics import accuracy, r2_score
from .module import Module, ModuleList, Parameter, Sequential
from .serialization import UnsafeFileError, load, load_snapshots, save
from .training import Diagnosis, EarlyStopping, TrainingHistory, fit
from .vector import (
    functional_call,
    loss_of_parameters,
    parameters_to_vector,
    vector_to_parameters,
)

__all__ = [
    "GELU",
    "LOSSES",
    "LOSS_INFO",
    "MLP",
    "Diagnosis",
    "Dropout",
    "EarlyStopping",
    "Identity",
    "LRFinder",
    "Layer",
    "LeakyReLU",
    "Linear",
    "LossInfo",
    "Module",
    "ModuleList",
    "Neuron",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "TrainingHistory",
    "UnsafeFileError",
    "accuracy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "fit",
    "functional_call",
    "gelu",
    "get_activation",
    "get_loss",
    "hinge",
    "huber",
    "identity",
    "init",
    "l2_penalty",
    "leaky_relu",
    "load",
    "load_snapshots",
    "loss_info",
    "loss_of_parameters",
    "lr_find",
    "mae",
    "metrics",
    "mse",
    "parameters_to_vector",
    "r2_score",
    "relu",
    "save",
    "sigmoid",
    "softplus",
    "tanh",
    "vector_to_parameters",
]
