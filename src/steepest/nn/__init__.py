"""Neural networks on the autodiff engine: neurons, layers, MLPs, losses, training, save/load.

>>> import steepest as st
>>> net = st.nn.MLP(3, [4, 4, 1], seed=0)       # the lecture's 3 → 4 → 4 → 1 classifier
>>> X, y = st.datasets.lecture_classifier(seed=0)
>>> loss = st.nn.binary_cross_entropy_with_logits(net(X), y)
>>> loss.backward()                              # ∂loss/∂w for all 41 weights
"""

from __future__ import annotations

from . import init
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
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    hinge,
    huber,
    l2_penalty,
    mae,
    mse,
)
from .module import Module, ModuleList, Parameter, Sequential
from .serialization import UnsafeFileError, load, save
from .training import Diagnosis, EarlyStopping, TrainingHistory, fit, r2_score
from .vector import (
    functional_call,
    loss_of_parameters,
    parameters_to_vector,
    vector_to_parameters,
)

__all__ = [
    "GELU",
    "MLP",
    "Diagnosis",
    "Dropout",
    "EarlyStopping",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Linear",
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
    "loss_of_parameters",
    "mae",
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
