"""steepest.estimators: scikit-learn's estimator checks, Pipeline, cross_val_score.

All of scikit-learn's estimator checks pass for the three estimators (a few are skipped by
scikit-learn itself when pandas or the array API are unavailable), so no check is marked xfail.
"""

import importlib
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from steepest import datasets as ds
from steepest.estimators import MLPClassifier, MLPRegressor, SGDRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [MLPClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=0),
     MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=100,
                  random_state=0),
     SGDRegressor(max_iter=100, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_pipeline_and_cross_val_score_on_digits():
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPClassifier((64,), learning_rate_init=0.01,
                                                         max_iter=20, batch_size=64,
                                                         random_state=0))
    scores = cross_val_score(pipe, X[:900], y[:900], cv=3)
    assert scores.mean() >= 0.9


def test_classifier_with_string_labels_and_probabilities():
    X, y = ds.moons(300, noise=0.1, seed=0)
    names = np.array(["left", "right"])[y]
    clf = MLPClassifier((16, 16), activation="tanh", learning_rate_init=0.02, max_iter=100,
                        random_state=0).fit(X, names)
    assert list(clf.classes_) == ["left", "right"]
    assert clf.score(X, names) >= 0.97
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-clf.decision_function(X))))
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)])
    assert len(clf.loss_curve_) == clf.n_iter_ and clf.history_.status in ("completed",
                                                                         "early_stopped")

    X3, y3 = ds.blobs(300, centers=3, seed=0)
    clf3 = MLPClassifier((8,), learning_rate_init=0.05, max_iter=50, random_state=0).fit(X3, y3)
    p3 = clf3.predict_proba(X3)
    assert p3.shape == (300, 3) and clf3.score(X3, y3) > 0.95
    np.testing.assert_array_equal(clf3.predict(X3), p3.argmax(1))


def test_same_random_state_same_model_and_params_round_trip():
    X, y = ds.xor(100, seed=0)
    a = MLPClassifier((8,), max_iter=5, random_state=3).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.get_params()["hidden_layer_sizes"] == (8,)
    a.set_params(solver="momentum", alpha=0.0)
    assert a.get_params()["solver"] == "momentum"
    with pytest.raises(ValueError, match="solver must be one of"):
        a.set_params(solver="lbfgs").fit(X, y)


def test_sgd_regressor_recovers_least_squares():
    X, y = ds.regression(400, n_features=3, kind="linear", noise=0.1, seed=0)
    reg = SGDRegressor(alpha=0.0, learning_rate_init=0.01, max_iter=300, tol=None,
                       random_state=0).fit(X, y)
    A = np.column_stack([X, np.ones(len(X))])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(reg.coef_, beta[:3], atol=2e-3)
    np.testing.assert_allclose(reg.intercept_, beta[3:], atol=2e-3)
    assert reg.score(X, y) > 0.99


def test_regressor_multi_output():
    X, y = ds.regression(300, n_features=1, noise=0.05, seed=0)
    Y = np.column_stack([y, -2 * y])
    reg = MLPRegressor((32,), activation="tanh", learning_rate_init=0.01, max_iter=300,
                       random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (300, 2) and reg.score(X, Y) > 0.95


def test_divergence_warns_with_the_diagnosis():
    X, y = ds.regression(100, kind="linear", seed=0)
    reg = SGDRegressor(learning_rate_init=10.0, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="diverged.*learning rate"):
            reg.fit(X * 100, y)
    assert np.all(np.isfinite(reg.coef_))


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "steepest.estimators")
    with pytest.raises(ImportError, match=r"pip install 'steepest\[sklearn\]'"):
        importlib.import_module("steepest.estimators")
