"""scikit-learn estimators backed by steepest networks (optional extra ``sklearn``).

``MLPClassifier``, ``MLPRegressor`` and the linear ``SGDRegressor`` follow scikit-learn's API and
parameter names (``hidden_layer_sizes``, ``alpha``, ``learning_rate_init``, ``max_iter``, …), so
they work in a ``Pipeline``, with ``cross_val_score`` and ``GridSearchCV``; underneath,
:func:`steepest.nn.fit` trains a :class:`steepest.nn.MLP` (kept as ``model_``; its training
record as ``history_``).

Training minimizes, per minibatch, the data loss plus ``alpha · Σ p²`` over all parameters
(weights and biases, micrograd's penalty; scikit-learn's own MLP penalizes weights only, scaled
by ½/batch size). It stops after ``max_iter`` epochs, or earlier when the training loss (or, with
``early_stopping=True``, the validation loss) has not improved by ``tol`` for
``n_iter_no_change`` epochs. A run that diverges keeps its last finite parameters and warns with
the diagnosis.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError("steepest.estimators needs scikit-learn ≥ 1.6: install the extra with "
                      "pip install 'steepest[sklearn]'") from exc

from . import nn
from . import optim as _optim
from ._validate import check_choice, check_float, check_int
from .autodiff import as_tensor, log_softmax, no_grad, sigmoid, softmax
from .nn.metrics import predicted_classes

SOLVERS = {"sgd": _optim.GD, "momentum": _optim.Momentum, "nesterov": _optim.Nesterov,
           "adagrad": _optim.Adagrad, "rmsprop": _optim.RMSprop, "adam": _optim.Adam,
           "adamw": _optim.AdamW}


class _SteepestEstimator(BaseEstimator):
    """Shared training logic: subclasses define the network, the loss and the targets."""

    _loss: str

    def _check_params(self) -> None:
        who = type(self).__name__
        check_choice(self.solver, f"{who}: solver", sorted(SOLVERS))
        check_int(self.max_iter, f"{who}: max_iter")
        check_float(self.learning_rate_init, f"{who}: learning_rate_init", low=0.0,
                    low_open=True)
        check_float(self.alpha, f"{who}: alpha", low=0.0)

    def _batch_size(self, n: int) -> int:
        if isinstance(self.batch_size, str) and self.batch_size == "auto":
            return min(200, n)
        if isinstance(self.batch_size, str):
            check_choice(self.batch_size, f"{type(self).__name__}: batch_size", ["auto"])
        return min(check_int(self.batch_size, f"{type(self).__name__}: batch_size"), n)

    def _train(self, model: nn.Module, X: np.ndarray, y: np.ndarray) -> None:
        rng = np.random.default_rng(self.random_state)
        validation = None
        if self.early_stopping:
            n_val = max(1, round(self.validation_fraction * len(X)))
            if n_val >= len(X):
                raise ValueError(f"early_stopping: validation_fraction={self.validation_fraction}"
                                 f" leaves no training samples out of {len(X)}")
            order = rng.permutation(len(X))
            val, tr = order[:n_val], order[n_val:]
            validation = (X[val], y[val])
            X, y = X[tr], y[tr]
        stopper = None
        if self.tol is not None:
            stopper = nn.EarlyStopping(patience=self.n_iter_no_change, min_delta=self.tol,
                                       monitor="val_loss" if self.early_stopping else "loss",
                                       restore_best=bool(self.early_stopping))
        optimizer = SOLVERS[self.solver](model.parameters(), lr=self.learning_rate_init)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            history = nn.fit(model, X, y, loss=self._loss, optimizer=optimizer,
                             epochs=int(self.max_iter), batch_size=self._batch_size(len(X)),
                             validation_data=validation, early_stopping=stopper, seed=rng,
                             progress=bool(self.verbose), l2=float(self.alpha), metric=None)
        self.model_ = model
        self.history_ = history
        self.n_iter_ = len(history.epoch)
        self.loss_curve_ = list(history.loss)
        if history.status == "diverged":
            warnings.warn(f"{type(self).__name__}: {history.diagnosis}", ConvergenceWarning,
                          stacklevel=3)
        elif history.status == "completed" and stopper is not None:
            warnings.warn(f"{type(self).__name__}: reached max_iter={self.max_iter} epochs "
                          f"without converging (tol={self.tol})", ConvergenceWarning,
                          stacklevel=3)

    def _forward(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        self.model_.eval()
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):
            return self.model_(X).data


class _MLPBase(_SteepestEstimator):
    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *,
                 solver: str = "adam", alpha: float = 1e-4, batch_size: int | str = "auto",
                 learning_rate_init: float = 1e-3, max_iter: int = 200, tol: float | None = 1e-4,
                 n_iter_no_change: int = 10, early_stopping: bool = False,
                 validation_fraction: float = 0.1, init: str = "auto",
                 random_state: int | None = None, verbose: bool = False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.init = init
        self.random_state = random_state
        self.verbose = verbose

    def _network(self, n_in: int, n_out: int, output_activation: str | None = None) -> nn.MLP:
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if isinstance(hidden, (int, np.integer)) else list(hidden)
        hidden = [check_int(h, f"{type(self).__name__}: hidden_layer_sizes[{i}]")
                  for i, h in enumerate(hidden)]
        seed = np.random.default_rng(self.random_state).integers(2**63)
        return nn.MLP(n_in, [*hidden, n_out], activation=self.activation,
                      output_activation=output_activation, init=self.init, seed=int(seed))


class MLPClassifier(ClassifierMixin, _MLPBase):
    """A multi-layer perceptron classifier: one logistic output and binary cross-entropy for two
    classes, softmax outputs and cross-entropy for more. Labels may be any hashable values."""

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on X (n_samples, n_features) and labels y: binary cross-entropy on one logit
        for two classes, softmax cross-entropy otherwise. Sets ``classes_``; returns self."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes in the data, "
                             f"but the data contains only one class: {self.classes_[0]!r}")
        codes = self._encoder.transform(y)
        binary = len(self.classes_) == 2
        self._loss = "bce_with_logits" if binary else "cross_entropy"
        model = self._network(X.shape[1], 1 if binary else len(self.classes_))
        self._train(model, X, codes)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n_samples, n_classes), columns in ``classes_`` order."""
        z = self._forward(X)
        if z.shape[1] == 1:
            p = sigmoid(as_tensor(z[:, 0])).data
            return np.column_stack([1 - p, p])
        return softmax(as_tensor(z), axis=1).data

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """ln predict_proba, computed from the logits without underflow."""
        z = self._forward(X)
        if z.shape[1] == 1:
            s = z[:, 0]
            return -np.column_stack([np.logaddexp(0, s), np.logaddexp(0, -s)])
        return log_softmax(as_tensor(z), axis=1).data

    def decision_function(self, X: Any) -> np.ndarray:
        """The raw scores: (n_samples,) logits for two classes, (n_samples, n_classes) else."""
        z = self._forward(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row, as one of ``classes_``."""
        z = self._forward(X)
        return self.classes_[predicted_classes(z)]  # logits: class 1 where z > 0, else argmax


class MLPRegressor(RegressorMixin, _MLPBase):
    """A multi-layer perceptron regressor trained on squared error; ``y`` may be (n,) or
    (n, k) for k outputs."""

    _loss = "mse"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on X (n_samples, n_features) and targets y of shape (n,) or (n, n_outputs) by
        minimizing the mean squared error (+ α Σ p²); returns self."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        self._y_1d = y.ndim == 1
        Y = y.reshape(len(y), -1)
        model = self._network(X.shape[1], Y.shape[1])
        self._train(model, X, Y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """ŷ for each row, shaped like the y it was fitted on."""
        out = self._forward(X)
        return out[:, 0] if self._y_1d else out


class SGDRegressor(RegressorMixin, _SteepestEstimator):
    """A linear model ŷ = x·w + b fitted by minibatch gradient descent (scikit-learn's
    ``SGDRegressor``'s role): ``loss`` "squared_error", "huber" or "absolute_error", L2 penalty
    ``alpha``, any steepest ``solver`` ("sgd" by default). ``coef_``, ``intercept_`` after fit.
    Standardize the features first (a Pipeline with StandardScaler): plain gradient descent's
    stable step size shrinks with the features' scale."""

    _LOSSES: ClassVar[dict[str, str]] = {"squared_error": "mse", "huber": "huber",
                                         "absolute_error": "mae"}

    def __init__(self, loss: str = "squared_error", *, alpha: float = 1e-4,
                 solver: str = "sgd", learning_rate_init: float = 0.01,
                 batch_size: int | str = 32, max_iter: int = 1000, tol: float | None = 1e-4,
                 n_iter_no_change: int = 5, early_stopping: bool = False,
                 validation_fraction: float = 0.1, random_state: int | None = None,
                 verbose: bool = False):
        self.loss = loss
        self.alpha = alpha
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> SGDRegressor:
        """Fit w and b, from w = 0 and b = 0, by minibatch descent on ``loss`` + α Σ p² (w and
        b); sets ``coef_`` and ``intercept_``; returns self."""
        self._check_params()
        check_choice(self.loss, "SGDRegressor: loss", sorted(self._LOSSES))
        self._loss = self._LOSSES[self.loss]
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        model = nn.Linear(X.shape[1], 1, seed=0)
        model.weight.data[...] = 0.0  # start at w = 0, b = 0 like scikit-learn
        self._train(model, X, y)
        self.coef_ = model.weight.data[0].copy()
        self.intercept_ = model.bias.data.copy()
        return self

    def predict(self, X: Any) -> np.ndarray:
        """ŷ = X w + b, shape (n_samples,)."""
        return self._forward(X)[:, 0]


__all__ = ["MLPClassifier", "MLPRegressor", "SGDRegressor"]
