"""Hostile input (issue 13): bad files, bad arguments and huge requests each get one clear error
of the library's type naming the file or argument — never a traceback from deep inside NumPy,
never a silent wrong answer, never an allocation the input does not justify."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy

from steepest import nn
from steepest.errors import FileFormatError

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
