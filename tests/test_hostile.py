"""Hostile input (issue 13): bad files, bad arguments and huge requests each get one clear error
of the library's type naming the file or argument — never a traceback from deep inside NumPy,
never a silent wrong answer, never an allocation the input does not justify."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy

import steepest as st
from steepest import nn
from steepest.cli import main
from steepest.errors import FileFormatError, SteepestError

FORMAT = "steepest.nn/1"


def _arch(model: dict) -> str:
    return json.dumps({"format": FORMAT, "model": model})


def _npz(path, arch: str | None, **arrays):
    extra = {} if arch is None else {"__architecture__": np.array(arch)}
    np.savez(path, **extra, **arrays)
    return path


def _mlp_spec(nin, nouts):
    return {"class": "MLP", "config": {"nin": nin, "nouts": nouts}}


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.npz"
    nn.MLP(3, [4, 1], seed=0).save(path)
    return path


# ---- model files ---------------------------------------------------------------------------------
def _flip_data_byte(good, path):
    """The saved model with one byte of a weight flipped (its CRC no longer matches)."""
    raw = bytearray(good.read_bytes())
    start = raw.index(b"\x93NUMPY", raw.index(b"layers.0.weight.npy")) + 128 + 8
    raw[start] ^= 0xFF
    path.write_bytes(bytes(raw))


def _npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def _npy_header(shape, descr="<f8"):
    """Just the .npy header (magic included) of an array of ``shape``: no data."""
    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _member_lies(path):
    """A member whose .npy header claims 10⁹ floats but which holds 100 bytes."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__architecture__.npy", _npy_bytes(np.array(_arch(_mlp_spec(3, [1])))))
        z.writestr("layers.0.weight.npy", _npy_header((10**9,)) + bytes(100))


BAD_MODEL_FILES = {
    "empty": (lambda p, g: p.write_bytes(b""), "the file is empty"),
    "random bytes": (lambda p, g: p.write_bytes(np.random.default_rng(0).bytes(4096)),
                     r"not an \.npz \(zip\) archive"),
    "truncated": (lambda p, g: p.write_bytes(g.read_bytes()[:300]), "truncated"),
    "a folder": (lambda p, g: p.mkdir(), "is a folder"),
    "a single .npy": (lambda p, g: p.write_bytes(_npy_bytes(np.ones(3))),
                      r"a single \.npy array"),
    "no architecture": (lambda p, g: _npz(p, None, w=np.ones(3)), "no __architecture__ entry"),
    "header is a JSON list": (lambda p, g: _npz(p, "[1, 2]"), "got a JSON array"),
    "header is a number": (lambda p, g: _npz(p, "3"), "got a JSON number"),
    "header not JSON": (lambda p, g: _npz(p, "{nope"), "header is not JSON"),
    "missing key": (lambda p, g: _npz(p, json.dumps({"format": FORMAT})),
                    r"keys \['format'\]"),
    "100,000-deep nesting": (lambda p, g: _npz(p, "[" * 100_000 + "]" * 100_000),
                             "nests too deeply"),
    "deep but parseable": (lambda p, g: _npz(p, json.dumps(
        {"format": FORMAT, "model": json.loads("[" * 200 + "]" * 200)})), "deeper than 64"),
    "wrong format": (lambda p, g: _npz(p, json.dumps({"format": "x/9", "model": {}})),
                     "unsupported format 'x/9'"),
    "unknown class": (lambda p, g: _npz(p, _arch({"class": "Evil", "config": {}})),
                      "unknown module class 'Evil'"),
    "config not a dict": (lambda p, g: _npz(p, _arch({"class": "Linear", "config": [1]})),
                          "config of Linear must be a dict"),
    "bad config value": (lambda p, g: _npz(p, _arch({"class": "Linear",
                                                     "config": {"nin": -1, "nout": 2}})),
                         "Linear: nin must be a positive integer"),
    "unknown config key": (lambda p, g: _npz(p, _arch({"class": "Linear", "config": {
        "nin": 1, "nout": 1, "evil": 1}})), "cannot rebuild Linear"),
    "integer dtype in config": (lambda p, g: _npz(p, _arch({"class": "Linear", "config": {
        "nin": 1, "nout": 1, "dtype": "int64"}})), "floating-point dtype"),
    "container config": (lambda p, g: _npz(p, _arch({"class": "Sequential",
                                                     "config": {"modules": 5}})),
                         r"config must be \{'modules'"),
    "weights missing": (lambda p, g: _npz(p, _arch(_mlp_spec(3, [10_000, 10_000, 1]))),
                        r"missing \['layers.0.weight'"),
    "unexpected weight": (lambda p, g: _npz(p, _arch({"class": "Linear", "config": {
        "nin": 1, "nout": 1}}), weight=np.ones((1, 1)), bias=np.ones(1), junk=np.ones(5)),
        r"unexpected \['junk'\]"),
    "wrong shape": (lambda p, g: _npz(p, _arch({"class": "Linear", "config": {
        "nin": 3, "nout": 4}}), weight=np.ones((3, 4)), bias=np.ones(4)),
        r"'weight' is \(3, 4\) float64 in the file, but the architecture needs \(4, 3\)"),
    "wrong dtype": (lambda p, g: _npz(p, _arch({"class": "Linear", "config": {
        "nin": 1, "nout": 1}}), weight=np.ones((1, 1), np.float32), bias=np.ones(1)),
        "float32 in the file, but the architecture needs"),
    "integer weights": (lambda p, g: _npz(p, _arch({"class": "Linear", "config": {
        "nin": 1, "nout": 1}}), weight=np.ones((1, 1), np.int64), bias=np.ones(1)),
        "int64 in the file"),
    "not a .npy member": (lambda p, g: zipfile.ZipFile(p, "w").writestr("a.txt", "x"),
                          r"entry 'a.txt' is not a NumPy array"),
    "member larger than its bytes": (lambda p, g: _member_lies(p), "holds only 100 B"),
    "corrupt data": (lambda p, g: _flip_data_byte(g, p), "is corrupt.*CRC"),
}


@pytest.mark.parametrize("case", list(BAD_MODEL_FILES))
def test_every_bad_model_file_gets_one_clear_error_naming_it(tmp_path, good, case):
    make, message = BAD_MODEL_FILES[case]
    path = tmp_path / "model.npz"
    make(path, good)
    with pytest.raises(FileFormatError, match=message) as info:
        nn.load(path)
    text = str(info.value)
    assert repr(str(path)) in text
    assert "allow_pickle" not in text and "\n" not in text


def test_a_pickled_member_is_refused_without_suggesting_an_unsafe_load(tmp_path):
    path = tmp_path / "evil.npz"
    _npz(path, _arch({"class": "Linear", "config": {"nin": 1, "nout": 2}}),
         weight=np.array([[{"x": 1}], [None]], dtype=object), bias=np.ones(2))
    with pytest.raises(nn.UnsafeFileError, match="pickled object array; steepest never") as e:
        nn.load(path)
    assert isinstance(e.value, FileFormatError) and "allow_pickle" not in str(e.value)


def test_a_missing_model_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.load(tmp_path / "nope.npz")


def test_load_never_initializes_random_weights(good, monkeypatch):
    expected = nn.MLP(3, [4, 1], seed=0)(np.ones((2, 3))).data

    def refuse(*args, **kwargs):
        raise AssertionError("load drew random weights")

    for name in list(nn.init.INITIALIZERS):
        monkeypatch.setitem(nn.init.INITIALIZERS, name, refuse)
    monkeypatch.setattr(nn.init, "micrograd_uniform", refuse)
    net = nn.load(good)
    np.testing.assert_array_equal(net(np.ones((2, 3))).data, expected)
    assert all(p.data.flags.writeable and p.data.flags.c_contiguous for p in net.parameters())


def test_the_declared_size_is_bounded_by_steepest_max_bytes(good, monkeypatch):
    monkeypatch.setenv("STEEPEST_MAX_BYTES", "100")
    with pytest.raises(FileFormatError, match=r"more than the 100 B allowed .*STEEPEST_MAX_BYT"):
        nn.load(good)
    monkeypatch.setenv("STEEPEST_MAX_BYTES", "100000")
    assert isinstance(nn.load(good), nn.MLP)


def test_deep_but_legal_containers_load(tmp_path):
    net = nn.Linear(2, 2, seed=0)
    for _ in range(10):
        net = nn.Sequential(net)
    net.save(tmp_path / "deep.npz")
    back = nn.load(tmp_path / "deep.npz")
    np.testing.assert_array_equal(back(np.ones((1, 2))).data, net(np.ones((1, 2))).data)


CAPPED = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import steepest as st
    from steepest.errors import FileFormatError
    vm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize"))
    cap = vm * 1024 + int(sys.argv[2]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        st.nn.load(sys.argv[1])
    except FileFormatError as exc:
        print("refused:", exc)
    else:
        print("loaded")
""")


def _load_capped(path, extra_mib):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", CAPPED, str(path), str(extra_mib)],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _zip_bomb(path, mib):
    """A model file whose extra member is ``mib`` MiB of zeros compressed to a few KiB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("__architecture__.npy", _npy_bytes(np.array(_arch(_mlp_spec(3, [1])))))
        z.writestr("layers.0.weight.npy", _npy_bytes(np.ones((1, 3))))
        z.writestr("layers.0.bias.npy", _npy_bytes(np.ones(1)))
        with z.open("junk.npy", "w") as fh:
            fh.write(_npy_header((mib * 2**17,)))
            for _ in range(mib):
                fh.write(bytes(2**20))


@pytest.mark.parametrize("spec", [[10**9, 1], [10_000, 10_000, 1]])
def test_a_huge_architecture_is_refused_within_a_small_memory_cap(tmp_path, spec):
    path = _npz(tmp_path / "huge.npz", _arch(_mlp_spec(3, spec)),
                **{"layers.0.weight": np.ones((2, 2))})
    assert path.stat().st_size < 3000
    out = _load_capped(path, 48)  # 22 GiB / 1.5 GiB of weights would not fit in 48 MiB
    assert out.startswith("refused:") and "do not match its architecture" in out


def test_a_compressed_huge_member_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "bomb.npz"
    _zip_bomb(path, 128)
    assert path.stat().st_size < 2**20
    out = _load_capped(path, 48)  # reading the 128 MiB member would not fit
    assert out.startswith("refused:") and "unexpected ['junk']" in out


def test_a_real_model_loads_within_the_same_cap(tmp_path):
    path = tmp_path / "real.npz"
    nn.MLP(3, [512, 512, 1], seed=0).save(path)  # 2 MiB of weights
    assert _load_capped(path, 48).strip() == "loaded"


# ---- the command line never shows a traceback for a bad file ----------------------------------
@pytest.fixture
def data_file(tmp_path):
    X, y = st.datasets.moons(n=30, noise=0.1, seed=0)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    return tmp_path / "data.npz"


def _cli_refuses(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("case", list(BAD_MODEL_FILES))
def test_the_cli_answers_every_bad_model_file_in_one_line(tmp_path, good, data_file, capsys,
                                                         case):
    make, message = BAD_MODEL_FILES[case]
    path = tmp_path / "model.npz"
    make(path, good)
    err = _cli_refuses(["landscape", str(path), str(data_file), "--out", str(tmp_path / "o")],
                       capsys)
    assert re.search(message, err) and str(path) in err


BAD_DATA_FILES = {
    "random bytes": (lambda p: p.write_bytes(b"\x00garbage" * 50), "not an .npz"),
    "no X": (lambda p: np.savez(p, y=np.ones(3)), "must hold arrays 'X' and 'y'"),
    "NaN in X": (lambda p: np.savez(p, X=np.where(np.eye(30, 2) > 0, np.nan, 1.0),
                                    y=np.ones(30)), "X contains NaN at row 0, column 0"),
    "pickled y": (lambda p: np.savez(p, X=np.ones((3, 2)), y=np.array([None] * 3)),
                  "pickled object array"),
    "a folder": (lambda p: p.mkdir(), "is a folder"),
}


@pytest.mark.parametrize("case", list(BAD_DATA_FILES))
def test_the_cli_answers_every_bad_data_file_in_one_line(tmp_path, good, capsys, case):
    make, message = BAD_DATA_FILES[case]
    path = tmp_path / "data.npz"
    make(path)
    err = _cli_refuses(["landscape", str(good), str(path), "--out", str(tmp_path / "o")],
                       capsys)
    assert message in err


def test_the_cli_answers_a_nan_weight_and_a_huge_grid_in_one_line(tmp_path, data_file, capsys):
    net = nn.MLP(2, [3, 1], seed=0)
    net.layers[1].weight.data[0, 2] = np.nan
    net.save(tmp_path / "nan.npz")
    err = _cli_refuses(["landscape", str(tmp_path / "nan.npz"), str(data_file), "--out",
                        str(tmp_path / "o")], capsys)
    assert "the weights contain NaN at layers.1.weight[0, 2]" in err
    nn.MLP(2, [3, 1], seed=0).save(tmp_path / "ok.npz")
    err = _cli_refuses(["landscape", str(tmp_path / "ok.npz"), str(data_file), "--resolution",
                        str(10**6), "--out", str(tmp_path / "o")], capsys)
    assert "a 1000000 × 1000000 grid would need" in err and "TiB" in err


# ---- arguments -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: nn.MLP(2, [3, 1], dtype=np.int64), lambda: nn.Linear(2, 3, dtype=np.int32),
    lambda: nn.Neuron(2, dtype=bool), lambda: nn.MLP(2, [3], dtype="float16x"),
])
def test_integer_parameters_are_refused(make):
    with pytest.raises(SteepestError, match="dtype must be a"):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Linear(3, 10**12), r"Linear\(3, 1000000000000\): the 1000000000000 × 3 weight "
                                   r"would need [\d.]+ TiB"),
    (lambda: nn.MLP(3, [10**9, 1]), r"Linear\(3, 1000000000\): .* would need [\d.]+ GiB"),
    (lambda: nn.Neuron(10**13), r"Neuron\(10000000000000\): the weights would need"),
    (lambda: st.datasets.moons(n=10**12), r"moons: 1000000000000 samples would need"),
    (lambda: st.datasets.regression(n=10**6, n_features=10**6), "regression: 1000000 samples"),
])
def test_sizes_are_checked_before_allocating(make, message, monkeypatch):
    monkeypatch.setenv("STEEPEST_MAX_BYTES", str(2**30))
    with pytest.raises(SteepestError, match=message):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Linear(0, 2), "Linear: nin must be a positive integer, got 0"),
    (lambda: nn.Linear(2.5, 2), r"Linear: nin must be an integer, got 2.5 \(float\)"),
    (lambda: nn.MLP(2, [3, "4"]), r"MLP: nouts\[1\] must be an integer, got '4'"),
    (lambda: nn.MLP(2, [3], dropout=1.0), r"MLP: dropout must be a number in \[0, 1\)"),
    (lambda: nn.Dropout("a"), "Dropout: p must be a number, got 'a'"),
    (lambda: st.datasets.moons(n="a"), "moons: n must be an integer, got 'a'"),
    (lambda: st.datasets.moons(noise=np.nan), "moons: noise must be a finite number"),
    (lambda: st.datasets.circles(factor=2), r"circles: factor must be a number in \(0, 1\)"),
    (lambda: st.datasets.spirals(turns=-1), "spirals: turns must be a positive number"),
    (lambda: st.datasets.blobs(centers=[[np.nan, 1.0]]), "blobs: centers contains NaN"),
    (lambda: st.datasets.blobs(center_box="ab"), r"blobs: center_box must be a pair"),
    (lambda: st.minimize(lambda x: (x * x).sum(), x0=[]), "minimize: x0 is empty"),
])
def test_bad_arguments_name_the_function_and_the_argument(make, message):
    with pytest.raises(SteepestError, match=message):
        make()


@pytest.fixture(scope="module")
def moons_net():
    X, y = st.datasets.moons(n=40, noise=0.1, seed=0)
    return nn.MLP(2, [4, 1], seed=0), X, y


def _surface(moons_net, **kwargs):
    net, X, y = moons_net
    args = dict(loss="bce_with_logits", resolution=3, progress=False)
    return st.landscape.surface_2d(net, kwargs.pop("X", X), kwargs.pop("y", y),
                                   **{**args, **kwargs})


@pytest.mark.parametrize("kwargs, message", [
    ({"resolution": "a"}, r"surface_2d: resolution must be an integer, got 'a' \(str\)"),
    ({"resolution": None}, r"surface_2d: resolution must be an integer, got None"),
    ({"resolution": float("nan")}, r"surface_2d: resolution must be an integer, got nan"),
    ({"resolution": 1}, "surface_2d: resolution must be an integer ≥ 2, got 1"),
    ({"resolution": (3,)}, "surface_2d: resolution must be one integer or 2"),
    ({"resolution": 10**6}, r"surface_2d: a 1000000 × 1000000 grid would need [\d.]+ TiB"),
    ({"range": "abc"}, r"surface_2d: range must be a pair \(low, high\) of numbers"),
    ({"range": (1, -1)}, r"surface_2d: range must have low < high, got \(1, -1\)"),
    ({"range": (np.nan, 1)}, r"surface_2d: range\[0\] must be a finite number"),
    ({"range": ((0, 1), (0, "x"))}, r"surface_2d: range\[1\]\[1\] must be a number"),
    ({"chunk_size": 0}, "chunk_size must be a positive integer, got 0"),
    ({"chunk_size": 2.5}, "chunk_size must be an integer"),
])
def test_surface_arguments_are_checked(moons_net, kwargs, message):
    with pytest.raises(SteepestError, match=message):
        _surface(moons_net, **kwargs)


def test_line_and_interpolation_arguments_are_checked(moons_net):
    net, X, y = moons_net
    with pytest.raises(SteepestError, match="line_1d: resolution must be an integer"):
        st.landscape.line_1d(net, X, y, resolution="a", progress=False)
    with pytest.raises(SteepestError, match="chunk_size must be a positive integer"):
        st.landscape.line_1d(net, X, y, chunk_size=0, progress=False)
    with pytest.raises(SteepestError, match=r"interpolate: range must have low < high"):
        st.landscape.interpolate(net, net, X, y, range=(1, 0), progress=False)


def test_nan_data_or_weights_are_refused_with_their_location(moons_net):
    _, X, y = moons_net
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(SteepestError, match="X contains NaN at row 3, column 1"):
        _surface(moons_net, X=Xn)
    yn = y.astype(float)
    yn[[5, 7]] = np.inf
    with pytest.raises(SteepestError, match=r"y contains inf at index 5 \(2 non-finite"):
        _surface(moons_net, y=yn)
    bad = nn.MLP(2, [4, 1], seed=0)
    bad.layers[0].weight.data[1, 0] = np.nan
    with pytest.raises(SteepestError, match=r"the weights contain NaN at layers.0.weight\[1, 0\]"
                                            r" \(θ\[2\]\)"):
        st.landscape.surface_2d(bad, X, y, loss="bce_with_logits", resolution=3, progress=False)


def test_parallel_directions_are_refused(moons_net):
    net = moons_net[0]
    d = np.random.default_rng(0).normal(size=net.num_parameters())
    for pair in (np.stack([d, d]), np.stack([d, -3 * d]), np.stack([d, d + 1e-12 * d[::-1]])):
        with pytest.raises(SteepestError, match="the two directions are parallel"):
            _surface(moons_net, directions=pair)
    with pytest.raises(SteepestError, match="parallel"):  # one parameter: no plane exists
        st.landscape.surface_2d(lambda t: float(t[0] ** 2), theta=[1.0], resolution=3,
                                progress=False)
    e = d.copy()
    e[0] += 1.0  # independent, if barely
    assert _surface(moons_net, directions=np.stack([d, e])).loss.shape == (3, 3)


@pytest.mark.parametrize("lr", [1e200, 1e300, 1.7e308])
def test_diagnose_is_overflow_safe_for_huge_learning_rates(lr):
    P = st.problems.LeastSquares(*st.datasets.lecture_line())
    with np.errstate(all="raise"):  # no overflow anywhere, not only no OverflowError
        d = st.diagnose(st.minimize(P, [-8.0, -2.0], st.optim.GD(lr=lr), max_steps=20), P)
    lam = np.linalg.eigvalsh(P.A)[-1]
    assert d.kind == "diverged" and d.lr == lr and d.lr_max == pytest.approx(2 / lam)
    for name in ("lam_max", "lam_min", "kappa", "lr_max", "suggested_lr"):
        value = getattr(d, name)
        assert value is None or np.isfinite(value), name
    assert "nan" not in d.message.lower() and "exceeds the stability limit" in d.message


LOSS_CASES = {
    "mse": lambda r: (r.normal(size=6), r.normal(size=6)),
    "mae": lambda r: (r.normal(size=6), r.normal(size=6)),
    "huber": lambda r: (3 * r.normal(size=6), r.normal(size=6)),
    "binary_cross_entropy": lambda r: (np.r_[0.0, 1.0, r.uniform(0.01, 0.99, 4)],
                                       np.r_[1.0, 0.0, r.integers(0, 2, 4)]),
    "binary_cross_entropy_with_logits": lambda r: (r.normal(size=6), r.integers(0, 2, 6)),
    "cross_entropy": lambda r: (r.normal(size=(6, 3)), r.integers(0, 3, 6)),
    "hinge": lambda r: (r.normal(size=6), r.integers(0, 2, 6)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(LOSS_CASES))
def test_every_loss_keeps_the_dtype_of_its_input(name, reduction, dtype):
    pred, target = LOSS_CASES[name](np.random.default_rng(0))
    p = st.tensor(pred.astype(dtype), requires_grad=True)
    t = target.astype(dtype) if target.dtype.kind == "f" else target
    loss = getattr(nn, name)(p, t, reduction=reduction)
    (loss.sum() if reduction == "none" else loss).backward()
    assert loss.dtype == dtype and p.grad.dtype == dtype
    assert np.all(np.isfinite(loss.data)) and np.all(np.isfinite(p.grad.data))


def test_binary_cross_entropy_in_float32_matches_float64_and_clamps_at_100():
    p64 = np.array([0.0, 1e-30, 0.3, 0.9375, 1.0])
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    l32 = nn.binary_cross_entropy(p64.astype(np.float32), y.astype(np.float32), "none")
    l64 = nn.binary_cross_entropy(p64, y, "none")
    assert l32.dtype == np.float32
    np.testing.assert_allclose(l32.data, l64.data, rtol=1e-6)
    assert l64.data[0] == 100.0 and l64.data[-1] == 100.0


def test_a_float32_network_trains_in_float32_end_to_end():
    X, y = st.datasets.moons(n=40, noise=0.1, seed=0)
    net = nn.MLP(2, [4, 1], output_activation="sigmoid", seed=0, dtype=np.float32)
    h = nn.fit(net, X.astype(np.float32), y.astype(np.float32), loss="bce",
               optimizer=st.optim.Adam(lr=0.05), epochs=5, progress=False)
    assert h.status == "completed" and all(p.dtype == np.float32 for p in net.parameters())
    assert net(X.astype(np.float32)).dtype == np.float32


def test_fit_calls_a_loss_that_rises_far_above_its_start_divergence():
    """Issue 13: Adam at lr = 1e3 on a small regression net (loss up 10⁴×) used to succeed."""
    X, y = st.datasets.regression(50, kind="linear", seed=0)
    net = nn.MLP(1, [8, 1], activation="tanh", seed=0)
    h = nn.fit(net, X, y, loss="mse", optimizer=st.optim.Adam(net.parameters(), lr=1e3),
               epochs=100, progress=False)
    assert h.status == "diverged" and not h.success and h.diagnosis.rule == "far"


@pytest.mark.parametrize("params, message", [
    ({"max_iter": 0}, "MLPClassifier: max_iter must be a positive integer, got 0"),
    ({"learning_rate_init": "a"}, "MLPClassifier: learning_rate_init must be a number"),
    ({"alpha": -1.0}, "MLPClassifier: alpha must be a number ≥ 0"),
    ({"solver": "lbfgs"}, "MLPClassifier: solver must be one of"),
    ({"hidden_layer_sizes": (4, 0)}, r"hidden_layer_sizes\[1\] must be a positive integer"),
    ({"batch_size": "big"}, "MLPClassifier: batch_size must be one of 'auto'"),
])
def test_estimator_parameters_are_checked(params, message):
    pytest.importorskip("sklearn")
    from steepest.estimators import MLPClassifier

    X, y = st.datasets.moons(n=20, seed=0)
    with pytest.raises(SteepestError, match=message):
        MLPClassifier(**{"max_iter": 2, **params}).fit(X, y)
