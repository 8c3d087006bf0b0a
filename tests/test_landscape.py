"""steepest.landscape: directions, surfaces, targets agreeing, save/load, bad inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from steepest import landscape as L
from steepest.landscape import MLPTarget, ParamSpec


def _mlp_arrays(sizes, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in itertools.pairwise(sizes)]
    bs = [rng.standard_normal(o) * 0.1 for o in sizes[1:]]
    return Ws, bs


def _data(n=64, d=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.standard_normal(n) > 0).astype(float)
    return X, y


def _reference_mlp_loss(Ws, bs, X, y, act=np.tanh, skip=()):
    """Plain per-point forward + BCE-with-logits, written independently of the target."""
    h = X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        z = h @ W.T + b
        a = act(z) if i < len(Ws) - 1 else z
        h = h + a if i in skip else a
    z = h[:, 0]
    return np.mean(np.logaddexp(0, z) - y * z)


# ---- directions -----------------------------------------------------------------------------

def test_filter_normalized_rows_have_the_weights_row_norms():
    Ws, bs = _mlp_arrays([5, 7, 6, 2])
    arrays = [a for pair in zip(Ws, bs) for a in pair]
    d = L.random_directions(arrays, 2, seed=3)
    spec = ParamSpec.of(arrays)
    for vec in d.vectors:
        for w, part in zip(arrays, spec.split(vec)):
            if w.ndim == 1:
                assert np.all(part == 0)  # biases are left out by default
            else:
                np.testing.assert_allclose(np.linalg.norm(part, axis=1),
                                           np.linalg.norm(w, axis=1), rtol=1e-12)
    assert abs(d.cosine) < 1e-12  # orthogonal, exactly, while keeping the norms


def test_layer_normalization_include_1d_and_seeding():
    Ws, bs = _mlp_arrays([4, 3, 1])
    arrays = [Ws[0], bs[0], Ws[1], bs[1]]
    d = L.random_directions(arrays, 2, seed=7, normalization="layer", include_1d=True)
    spec = ParamSpec.of(arrays)
    for vec in d.vectors:
        for w, part in zip(arrays, spec.split(vec)):
            assert np.linalg.norm(part) == pytest.approx(np.linalg.norm(w), rel=1e-12)
    again = L.random_directions(arrays, 2, seed=7, normalization="layer", include_1d=True)
    other = L.random_directions(arrays, 2, seed=8, normalization="layer", include_1d=True)
    np.testing.assert_array_equal(d.vectors, again.vectors)
    assert not np.allclose(d.vectors, other.vectors)
    raw = L.random_directions(arrays, 1, seed=7, normalization=None, include_1d=True)
    np.testing.assert_array_equal(raw.vectors[0],
                                  np.random.default_rng(7).standard_normal((1, spec.size))[0])


def test_filter_rows_too_short_for_orthogonality_keep_exact_norms():
    W = np.array([[1.0], [-2.0], [3.0]])  # one input: rows of length 1 cannot be orthogonal
    d = L.random_directions([W, np.ones((2, 3))], 2, seed=0)
    first = ParamSpec.of([W, np.ones((2, 3))]).split(d.vectors[1])[0]
    np.testing.assert_allclose(np.abs(first[:, 0]), np.abs(W[:, 0]))


def test_pca_directions_explained_variance_and_residual():
    rng = np.random.default_rng(0)
    n, T = 30, 40
    u, v = np.linalg.qr(rng.standard_normal((n, 2)))[0].T
    t = np.linspace(0, 1, T)
    off = 1e-3 * rng.standard_normal((T, n))
    path = (1 - t)[:, None] * (3 * u) + np.sin(3 * t)[:, None] * v + off
    path[-1] = 0.0
    d = L.pca_directions(path, k=2)
    # the axes span the plane of u, v
    P = d.vectors @ np.column_stack([u, v])
    assert np.allclose(np.abs(np.linalg.svd(P, compute_uv=False)), 1, atol=1e-4)
    s = np.linalg.svd(path - path[-1], compute_uv=False)
    np.testing.assert_allclose(d.explained_variance_ratio, s[:2] ** 2 / np.sum(s ** 2))
    traj = d.trajectory
    np.testing.assert_allclose(traj.residual,
                               np.linalg.norm(path - path[-1] - traj.coords @ d.vectors, axis=1))
    assert traj.residual.max() < 0.01 and traj.relative_residual[0] < 0.01 and traj.coords[0, 0] < 0
    assert "distance to the plane" in traj.summary()


# ---- surfaces and targets -------------------------------------------------------------------

def test_mlp_grid_matches_a_plain_forward_at_every_point():
    Ws, bs = _mlp_arrays([3, 4, 4, 1])
    X, y = _data()
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits")
    land = L.surface_2d(target, resolution=(5, 4), range=((-1, 1), (-0.5, 0.7)), progress=False)
    assert land.loss.shape == (5, 4)
    spec = target.spec
    for i, a in enumerate(land.alphas):
        for j, b in enumerate(land.betas):
            theta = target.theta + a * land.directions[0] + b * land.directions[1]
            parts = spec.split(theta)
            ref = _reference_mlp_loss(parts[0::2], parts[1::2], X, y)
            assert land.loss[i, j] == pytest.approx(ref, rel=1e-12)
    assert land.loss[2, 1] != land.loss[2, 2]
    # the centre of a symmetric grid is θ* itself
    centre = L.surface_2d(target, resolution=3, progress=False).loss[1, 1]
    assert centre == pytest.approx(_reference_mlp_loss(Ws, bs, X, y), rel=1e-12)


def test_skip_connections_and_relu_match_the_reference():
    Ws, bs = _mlp_arrays([2, 5, 5, 5, 1], seed=4)
    X, y = _data(d=2)
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits", activation="relu", skip=True)
    line = L.line_1d(target, resolution=4, progress=False)
    for a, value in zip(line.alphas, line.loss):
        parts = target.spec.split(target.theta + a * line.directions[0])
        ref = _reference_mlp_loss(parts[0::2], parts[1::2], X, y,
                                  act=lambda z: np.maximum(z, 0), skip=(1, 2))
        assert value == pytest.approx(ref, rel=1e-12)


def test_values_do_not_depend_on_how_points_are_batched():
    # blocks of 8 points, groups of 512 (the loss's batches): 600 points in one call, in
    # grid rows and one by one give the same losses and accuracies
    Ws, bs = _mlp_arrays([3, 4, 4, 2], seed=6)
    X, y = _data(n=2000, seed=7)
    labels = (y > 0.5).astype(int)
    target = MLPTarget.from_arrays(Ws, bs, X, labels, loss="cross_entropy", accuracy=True,
                                   skip=True, block_bytes=1)
    land = L.surface_2d(target, resolution=(25, 24), progress=False)
    basis = np.vstack([target.theta, land.directions.vectors])
    A, B = np.meshgrid(land.alphas, land.betas, indexing="ij")
    C = np.column_stack([np.ones(A.size), A.ravel(), B.ravel()])
    whole = L.run_points(target, basis, C, chunk_size=len(C), progress=False)
    single = L.run_points(target, basis, C[::37], chunk_size=1, progress=False)
    for k in ("loss", "accuracy"):
        np.testing.assert_allclose(whole[k], land.values[k].ravel(), rtol=1e-12)
        np.testing.assert_allclose(single[k], whole[k][::37], rtol=1e-12)
    z = np.tanh(X @ Ws[0].T + bs[0])
    z = z + np.tanh(z @ Ws[1].T + bs[1])
    z = z @ Ws[2].T + bs[2]
    ref = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(X)), labels])
    assert target.evaluate(target.theta[None])["loss"][0] == pytest.approx(ref, rel=1e-12)
    assert np.ptp(whole["loss"]) > 0.1 and np.ptp(whole["accuracy"]) > 0


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_bce_with_logits_is_exact_for_small_and_huge_logits(dtype, rtol):
    # logits from ~0 to ~±700 along the line: cosh(z/2) overflows float32 beyond |z| ≈ 178,
    # and those points take the ½|z| + log1p(e^{−|z|}) form
    Ws, bs = _mlp_arrays([3, 4, 1], seed=2)
    X, y = _data(n=30, seed=3)
    Ws[1] = Ws[1] * 300
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits", dtype=dtype)
    line = L.line_1d(target, resolution=9, range=(-0.3, 3), progress=False)
    spec = target.spec
    ref = []
    for a in line.alphas:
        parts = spec.split(target.theta + a * line.directions[0])
        ref.append(_reference_mlp_loss(parts[0::2], parts[1::2], X, y))
    assert np.all(np.isfinite(line.loss)) and max(ref) > 100 > min(ref)
    np.testing.assert_allclose(line.loss, ref, rtol=rtol)


def test_logistic_regression_landscape_is_convex_along_every_grid_line():
    X, y = _data(n=80, d=4, seed=5)
    rng = np.random.default_rng(2)
    w, b = rng.standard_normal((1, 4)), rng.standard_normal(1)
    target = MLPTarget.from_arrays([w], [b], X, y, loss="bce_logits")
    land = L.surface_2d(target, resolution=21, range=(-3, 3), include_1d=True, progress=False)
    Z = land.loss
    assert np.ptp(Z) > 0.1
    assert np.all(np.diff(Z, 2, axis=0) >= -1e-12)
    assert np.all(np.diff(Z, 2, axis=1) >= -1e-12)
    kmin, _ = land.surface_curvature()
    assert kmin.min() >= -1e-9
    # a non-convex net has grid lines that are not convex: the test can fail
    Ws, bs = _mlp_arrays([4, 8, 8, 1], seed=3)
    deep = L.surface_2d(MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits"),
                        resolution=21, range=(-3, 3), progress=False).loss
    assert np.any(np.diff(deep, 2, axis=0) < -1e-6)


def test_function_target_and_interpolation():
    def f(theta):
        return float(np.sum((theta - 1.0) ** 2))

    theta = np.linspace(-1, 1, 6)
    land = L.surface_2d(f, theta=theta, resolution=7, progress=False)
    d1, d2 = land.directions.vectors
    assert abs(d1 @ d2) < 1e-10 and np.linalg.norm(d1) > 0  # flat vector: 1-D kept
    a, b = land.alphas[2], land.betas[5]
    assert land.loss[2, 5] == pytest.approx(f(theta + a * d1 + b * d2))
    with pytest.raises(ValueError, match="θ is zero"):  # nothing to normalize against
        L.surface_2d(f, theta=np.zeros(6), progress=False)
    theta = np.zeros(6)
    line = L.interpolate(f, np.full(6, 2.0), theta=theta, resolution=5, progress=False)
    # θ(α) = (1 − α)·0 + α·2: loss 6(2α − 1)²
    np.testing.assert_allclose(line.loss, 6 * (2 * line.alphas - 1) ** 2)


def test_accuracy_metric():
    X, y = _data(n=50)
    w = np.array([[1.0, -0.5, 0.0]])
    target = MLPTarget.from_arrays([w], [np.zeros(1)], X, y, loss="bce_logits", accuracy=True)
    land = L.surface_2d(target, resolution=3, progress=False)
    assert land.accuracy[1, 1] == pytest.approx(np.mean((X @ w[0] > 0) == (y > 0.5)))
    assert set(land.values) == {"loss", "accuracy"}


def test_cross_entropy_and_mse_match_references():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    labels = rng.integers(0, 4, 30)
    Ws, bs = _mlp_arrays([3, 5, 4], seed=1)
    ce = MLPTarget.from_arrays(Ws, bs, X, labels, loss="cross_entropy").evaluate(
        ParamSpec.of([Ws[0], bs[0], Ws[1], bs[1]]).join([Ws[0], bs[0], Ws[1], bs[1]])[None])
    z = np.tanh(X @ Ws[0].T + bs[0]) @ Ws[1].T + bs[1]
    ref = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(30), labels])
    assert ce["loss"][0] == pytest.approx(ref, rel=1e-12)
    Y = rng.standard_normal((30, 4))
    mse = MLPTarget.from_arrays(Ws, bs, X, Y, loss="mse")
    assert mse.evaluate(mse.theta[None])["loss"][0] == pytest.approx(np.mean((z - Y) ** 2))


def test_steepest_models_fast_and_general_paths_agree():
    nn = pytest.importorskip("steepest.nn")
    X, y = _data(n=40)
    model = nn.MLP(3, [4, 4, 1], seed=0)
    fast = L.surface_2d(model, X, y, loss="bce_with_logits", resolution=5, progress=False,
                        accuracy=True)
    slow = L.surface_2d(model, X, y, loss="bce_with_logits", resolution=5, progress=False,
                        accuracy=True, fast=False)
    assert fast.meta["target"] == "MLPTarget" and slow.meta["target"] == "ModuleTarget"
    np.testing.assert_allclose(fast.loss, slow.loss, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(fast.accuracy, slow.accuracy)


def test_trajectory_overlay_reports_real_and_plane_losses():
    Ws, bs = _mlp_arrays([3, 4, 1])
    X, y = _data()
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits")
    rng = np.random.default_rng(0)
    shrink = np.linspace(1, 0, 6)[:, None]
    snaps = target.theta + rng.standard_normal((6, target.spec.size)) * shrink
    dirs = L.pca_directions(snaps, spec=target.spec)
    land = L.surface_2d(target, directions=dirs, resolution=5, trajectory=snaps, progress=False)
    tr = land.trajectory
    np.testing.assert_allclose(tr.loss, target.evaluate(snaps)["loss"])
    on_plane = target.theta + tr.coords @ dirs.vectors
    np.testing.assert_allclose(tr.loss_on_plane, target.evaluate(on_plane)["loss"])
    assert tr.loss[-1] == pytest.approx(tr.loss_on_plane[-1])  # the centre lies on the plane
    assert np.max(np.abs(tr.loss - tr.loss_on_plane)) > 0        # the others need not


def test_save_load_roundtrip_without_pickle(tmp_path):
    Ws, bs = _mlp_arrays([3, 4, 1])
    X, y = _data()
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits", accuracy=True)
    snaps = [target.theta * s for s in (1.5, 1.2, 1.0)]
    land = L.surface_2d(target, resolution=(4, 3), seed=11, trajectory=snaps, progress=False)
    path = tmp_path / "land.npz"
    land.save(path)
    with np.load(path, allow_pickle=False) as f:
        assert all(f[k].dtype != object for k in f.files)
    back = L.Landscape.load(path)
    for k in land.values:
        np.testing.assert_array_equal(back.values[k], land.values[k])
    np.testing.assert_array_equal(back.directions.vectors, land.directions.vectors)
    np.testing.assert_array_equal(back.trajectory.coords, land.trajectory.coords)
    assert back.meta["seed"] == 11 and back.meta["normalization"] == "filter"
    assert back.meta["centre_hash"] == L.vector_hash(target.theta)
    assert back.directions.spec == target.spec
    # a 1-D PCA line keeps its explained variance
    pca = L.pca_directions(snaps, spec=target.spec, k=1)
    line = L.line_1d(target, direction=pca, resolution=4, progress=False)
    line.save(tmp_path / "line.npz")
    back = L.Landscape.load(tmp_path / "line.npz")
    assert back.ndim == 1 and back.directions.kind == "pca"
    np.testing.assert_array_equal(back.directions.explained_variance_ratio,
                                  pca.explained_variance_ratio)
    np.testing.assert_array_equal(back.loss, line.loss)


def test_plots_render(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Ws, bs = _mlp_arrays([3, 4, 1])
    X, y = _data()
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits")
    land = L.surface_2d(target, resolution=9, trajectory=[target.theta * 1.3, target.theta],
                        progress=False)
    for kind in ("contour", "filled", "surface"):
        disp = land.plot(kind, log=kind == "filled")
        disp.savefig(tmp_path / f"{kind}.png")
        assert (tmp_path / f"{kind}.png").stat().st_size > 1000
        if kind != "surface":  # the starred centre is θ*, not called a minimum
            names = [ln.get_label() for ln in disp.ax.lines]
            assert any(n.startswith("θ*") for n in names) and "minimum" not in names
    assert len(disp.ax.collections) > 0
    # the 3-D surface is seen from 30° above (not from below or straight down), and the tick
    # labels of α and β do not meet at the near corner (α max, β min)
    assert (disp.ax.elev, disp.ax.azim) == (30, -60)
    assert max(disp.ax.get_xticks()) < land.alphas[-1] and min(disp.ax.get_xticks()) >= -1
    assert min(disp.ax.get_yticks()) > land.betas[0] and max(disp.ax.get_yticks()) <= 1
    line = L.line_1d(target, resolution=5, progress=False).plot()
    assert len(line.ax.lines) == 1
    plt.close("all")


# ---- bad inputs ------------------------------------------------------------------------------

def test_bad_inputs_give_clear_errors():
    Ws, bs = _mlp_arrays([3, 4, 1])
    X, y = _data()
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits")
    n = target.spec.size
    with pytest.raises(ValueError, match=rf"directions must have shape \(2, {n}\)"):
        L.surface_2d(target, directions=np.ones((2, n + 1)), progress=False)
    with pytest.raises(ValueError, match="resolution must be an integer ≥ 2"):
        L.surface_2d(target, resolution=1, progress=False)
    with pytest.raises(ValueError, match="resolution"):
        L.line_1d(target, resolution=0, progress=False)
    with pytest.raises(ValueError, match="data set is empty"):
        MLPTarget.from_arrays(Ws, bs, X[:0], y[:0], loss="bce_logits")
    with pytest.raises(ValueError, match="range"):
        L.surface_2d(target, range=(1, -1), progress=False)
    with pytest.raises(ValueError, match="normalization"):
        L.random_directions(target, normalization="filters")
    with pytest.raises(ValueError, match="3 samples but y has 2"):
        MLPTarget.from_arrays(Ws, bs, X[:3], y[:2], loss="bce_logits")
    with pytest.raises(ValueError, match="theta"):
        L.surface_2d(lambda th: 0.0, progress=False)
    with pytest.raises(ValueError, match="at least 2 snapshots"):
        L.pca_directions([np.zeros(3)])
    with pytest.raises(ValueError, match="1-D"):
        L.random_directions([np.ones(3)], include_1d=False)


def test_hessian_directions_are_the_top_eigenvectors():
    pytest.importorskip("steepest.curvature")
    import steepest

    Ws, bs = _mlp_arrays([3, 3, 1], seed=2)
    X, y = _data(n=30)
    target = MLPTarget.from_arrays(Ws, bs, X, y, loss="bce_logits")
    theta = target.theta
    assert float(target.tensor_loss(theta).item()) == pytest.approx(
        target.evaluate(theta[None])["loss"][0], rel=1e-12)
    # dense Hessian by central differences of the exact gradient
    g = steepest.grad(target.tensor_loss)
    h = 1e-5
    H = np.column_stack([(g(theta + h * e) - g(theta - h * e)) / (2 * h)
                         for e in np.eye(theta.size)])
    w, V = np.linalg.eigh((H + H.T) / 2)
    d = L.hessian_directions(target, k=2)
    np.testing.assert_allclose(d.eigenvalues, w[::-1][:2], rtol=1e-5, atol=1e-8)
    for vec, ref in zip(d.vectors, V[:, ::-1].T):
        assert abs(vec @ ref) == pytest.approx(1.0, abs=1e-5)
    land = L.surface_2d(target, directions=d, resolution=5, range=(-0.1, 0.1), progress=False)
    assert land.directions.kind == "hessian"
    # along the sharpest axis the loss curves up by ≈ ½λ₁α²
    centre = land.loss[2, 2]
    assert land.loss[4, 2] + land.loss[0, 2] - 2 * centre == pytest.approx(
        d.eigenvalues[0] * 0.1 ** 2, rel=0.05)


def test_progress_bar_counts_grid_points(capsys):
    def f(theta):
        return float(theta @ theta)

    L.surface_2d(f, theta=np.ones(4), resolution=(3, 4), progress=True)
    err = capsys.readouterr().err
    assert "landscape 2-D" in err and "12/12" in err and "pt" in err


def test_training_snapshots_pca_plane_and_interpolation_between_models():
    nn = pytest.importorskip("steepest.nn")
    optim = pytest.importorskip("steepest.optim")
    X, y = _data(n=60, d=2)
    model = nn.MLP(2, [6, 1], seed=0)
    start = nn.MLP(2, [6, 1], seed=0)
    hist = nn.fit(model, X, y, loss="bce_with_logits", epochs=30, snapshot_every=3, seed=0,
                  optimizer=optim.Adam(model.parameters(), lr=0.05), progress=False)
    d = L.pca_directions(hist.snapshots)
    land = L.surface_2d(model, X, y, loss="bce_with_logits", directions=d, range=(-4, 4),
                        resolution=9, trajectory=hist.snapshots, progress=False)
    assert land.directions.kind == "pca" and land.directions.labels[0].startswith("PC1")
    assert land.trajectory.loss[0] > land.trajectory.loss[-1]  # training lowered the loss
    line = L.interpolate(start, model, X, y, loss="bce_with_logits", resolution=5,
                         progress=False)
    assert line.loss[0] == pytest.approx(land.trajectory.loss[0])  # α = 0: the initial weights
    assert line.loss[-1] == pytest.approx(land.trajectory.loss[-1])  # α = 1: the trained ones


def test_a_steepest_problem_as_a_function_target_is_convex_on_lines():
    problems = pytest.importorskip("steepest.problems")
    X, y = _data(n=50, d=3, seed=6)
    prob = problems.LogisticRegression(np.column_stack([X, np.ones(len(X))]), y)
    theta = np.array([0.5, -0.3, 0.2, 0.1])
    land = L.surface_2d(prob, theta=theta, resolution=11, range=(-4, 4), progress=False)
    assert land.loss[5, 5] == pytest.approx(float(prob(theta)))
    assert np.all(np.diff(land.loss, 2, axis=0) >= -1e-12)
    assert np.all(np.diff(land.loss, 2, axis=1) >= -1e-12)


def test_dropout_is_off_in_the_general_path():
    nn = pytest.importorskip("steepest.nn")
    X, y = _data(n=30)
    model = nn.MLP(3, [8, 1], dropout=0.5, seed=0)
    a = L.line_1d(model, X, y, loss="bce_with_logits", resolution=3, progress=False)
    b = L.line_1d(model, X, y, loss="bce_with_logits", resolution=3, progress=False, fast=False)
    assert a.meta["target"] == "MLPTarget" and b.meta["target"] == "ModuleTarget"
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12)
    again = L.line_1d(model, X, y, loss="bce_with_logits", resolution=3, progress=False,
                      fast=False)
    np.testing.assert_array_equal(again.loss, b.loss)
