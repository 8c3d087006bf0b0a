"""Backpropagation, animated (issue 14): every value and gradient the frames show is steepest's
own and equals autodiff's and PyTorch's."""

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from PIL import Image

import steepest as st
from steepest.errors import SteepestError


def micrograd_expression():
    """The lecture's small expression L = (a·b + c)·f (micrograd's example)."""
    a, b, c, f = (st.tensor(v, requires_grad=True) for v in (2.0, -3.0, 10.0, -2.0))
    e = a * b
    d = e + c
    L = d * f
    return (a, b, c, f, e, d, L), {a: "a", b: "b", c: "c", f: "f", e: "e", d: "d", L: "L"}


def shown_gradients(anim):
    """The gradient each node shows once the backward pass has passed it: its last update."""
    last = {}
    for s in anim.steps:
        if s.phase == "backward":
            last[s.node] = s.grad
    return np.array([last[i] for i in range(len(anim.graph.names))])


def test_the_expression_plays_forward_node_by_node_then_backward_edge_by_edge():
    (a, b, c, f, e, d, L), names = micrograd_expression()
    anim = st.animate.backprop(L, names=names, progress=False)
    g = anim.graph
    assert g.names == ("a", "b", "c", "f", "e", "d", "L")  # inputs in order of first use
    phases = [s.phase for s in anim.steps]
    assert phases == ["forward"] * 7 + ["backward"] * 7 and len(anim) == 14
    assert [s.node for s in anim.steps[:7]] == list(range(7))
    np.testing.assert_array_equal(g.values, [2, -3, 10, -2, -6, 4, -8])
    # each edge crossed once, output first; local derivative on it: ∂child/∂parent
    crossed = [(g.names[g.edges[s.edge][0]], g.names[g.edges[s.edge][1]], g.local[s.edge])
               for s in anim.steps if s.edge is not None]
    assert crossed == [("d", "L", -2.0), ("f", "L", 4.0), ("e", "d", 1.0), ("c", "d", 1.0),
                       ("a", "e", -3.0), ("b", "e", 2.0)]
    assert anim.steps[7].grad == 1.0 and anim.steps[7].text.endswith("∂L/∂L = 1")
    assert anim.steps[-1].text.startswith("∂L/∂b += ∂L/∂e · ∂e/∂b = −2 × 2   →   ∂L/∂b = −4")
    assert "a (the other factor)" in anim.steps[-1].text
    # the known answers, steepest's backward, and PyTorch
    L.backward(retain_grads=True)
    mine = np.array([float(t.grad.data) for t in (a, b, c, f, e, d, L)])
    np.testing.assert_array_equal(shown_gradients(anim), [6, -4, -2, 4, -2, -2, 1])
    np.testing.assert_array_equal(shown_gradients(anim), mine)
    np.testing.assert_array_equal(g.grads, mine)


def test_the_expression_gradients_equal_pytorchs():
    torch = pytest.importorskip("torch")
    (*_, L), names = micrograd_expression()
    anim = st.animate.backprop(L, names=names, progress=False)
    ta, tb, tc, tf = (torch.tensor(v, dtype=torch.float64, requires_grad=True)
                      for v in (2.0, -3.0, 10.0, -2.0))
    te = ta * tb
    td = te + tc
    tL = td * tf
    for t in (te, td, tL):
        t.retain_grad()
    tL.backward()
    expect = [t.grad.item() for t in (ta, tb, tc, tf, te, td, tL)]
    np.testing.assert_allclose(shown_gradients(anim), expect, rtol=0, atol=1e-15)


def lecture_net():
    X, y = st.datasets.lecture_network()
    return st.nn.MLP(3, [4, 4, 1], activation="relu", seed=2), X, y


@pytest.mark.parametrize("sample", [0, 2])
def test_the_lecture_network_shows_steepests_and_pytorchs_numbers(sample):
    torch = pytest.importorskip("torch")
    net, X, y = lecture_net()
    anim = st.animate.backprop_network(net, X[sample], y[sample], progress=False)
    g = anim.graph
    assert len(g.names) == 3 + 4 + 4 + 1 + 1 and len(g.edges) == 12 + 16 + 4 + 1
    assert len(anim) == 13 + 1 + 33  # a frame per node forward, the seed, one per edge
    # the same net and sample in PyTorch, every activation's gradient retained
    W = [(torch.from_numpy(np.array(m.weight.data)), torch.from_numpy(np.array(m.bias.data)))
         for m in net.layers]
    a = [torch.tensor(X[sample][None], requires_grad=True)]
    for k, (w, b) in enumerate(W):
        z = a[-1] @ w.T + b
        a.append(torch.relu(z) if k < 2 else z)
        a[-1].retain_grad()
    loss = ((a[-1].reshape(-1) - y[sample]) ** 2).sum()
    loss.backward()
    values = [*torch.cat([t.detach().ravel() for t in a]).numpy(), loss.item()]
    grads = [*torch.cat([t.grad.ravel() for t in a]).numpy(), 1.0]
    np.testing.assert_allclose(g.values, values, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(shown_gradients(anim), grads, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g.grads, grads, rtol=1e-12, atol=1e-14)
    # the local derivative on edge x_i → h¹_j is relu′(z_j)·w_ji
    z1 = (a[0] @ W[0][0].T + W[0][1]).detach().numpy().ravel()
    J = (z1 > 0)[:, None] * W[0][0].numpy()
    np.testing.assert_allclose(g.local[:12], J.ravel(), rtol=1e-12)
    assert g.local[-1] == pytest.approx(2 * (values[-2] - y[sample]), rel=1e-12)


def test_a_dead_relu_passes_no_gradient_and_the_caption_says_why():
    net, X, y = lecture_net()
    anim = st.animate.backprop_network(net, X[0], y[0], progress=False)
    g = anim.graph
    dead = [i for i, v in enumerate(g.values[3:7]) if v == 0]
    assert dead  # seed 2, sample 0: h¹₁ and h¹₂ are off
    for s in anim.steps:
        if s.edge is not None and g.edges[s.edge][1] - 3 in dead:
            assert g.local[s.edge] == 0 and "relu′(z)·w = 0 ×" in s.text


def test_the_animation_saves_every_frame_and_plays_in_the_light_player(tmp_path):
    (*_, L), names = micrograd_expression()
    anim = st.animate.backprop(L, names=names, progress=False)
    gif = anim.save(tmp_path / "backprop.gif")
    with Image.open(gif) as im:
        assert im.n_frames == len(anim) == 14
    html = anim.to_jshtml(progress=False)
    assert 'class="steepest-player"' in html and 'max="13"' in html
    frames = list(anim.iter_frames(progress=False))
    assert all((a != b).any() for a, b in itertools.pairwise(frames))  # every frame moves
    assert anim.save(tmp_path / "backprop.html").read_text(encoding="utf-8").count(
        "steepest-player") >= 1


def test_only_graphs_of_scalars_are_animated():
    w = st.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(SteepestError, match=r"shape \(3,\).*backprop_network"):
        st.animate.backprop((w * 2).sum())
    with pytest.raises(SteepestError, match="requires_grad=True"):
        st.animate.backprop(st.tensor(1.0))


def test_a_failed_save_leaves_no_half_written_file(tmp_path, monkeypatch):
    """A disk that fills up while the GIF/PNG is written: the earlier file stays whole and no
    partial file is left (they were written straight to the target before)."""
    (*_, L), names = micrograd_expression()
    anim = st.animate.backprop(L, names=names, progress=False)
    for name in ("anim.gif", "last.png"):
        anim.save(tmp_path / name)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def disk_full(self, fp, *args, **kwargs):
        if hasattr(fp, "write"):
            fp.write(b"GIF89a half")
        else:  # a path: the file is made, then the disk is full
            with open(fp, "wb") as out:
                out.write(b"GIF89a half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", disk_full)
    for name in ("anim.gif", "last.png", "new.gif"):
        with pytest.raises(OSError, match="No space left"):
            anim.save(tmp_path / name)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_reused_text_sprites_encode_exactly_what_drawing_every_text_gives(monkeypatch):
    """The player draws a text once per distinct state (content, place, colour, weight, box):
    the network's 47 frames encode byte for byte as when every text is drawn each frame."""
    from steepest.animate import _player
    net, X, y = lecture_net()
    anim = st.animate.backprop_network(net, X[0], y[0], progress=False)
    keys = list(range(len(anim)))
    cached = _player.encode(anim, keys)
    monkeypatch.setattr(_player, "_text_state", lambda artist: None)
    assert _player.encode(anim, keys) == cached
    bold = [t for t in anim.figure.axes[0].texts if t.get_fontweight() == "bold"]
    assert len(bold) == 1  # (the last frame's changed number: weight is part of the state)


@pytest.mark.parametrize("which", ["expression", "network"])
def test_every_frame_is_readable_at_page_width(which):
    """Each frame as the tour shows it (at most 1000 px wide): no text under 10 px, and no
    text (node, value, gradient, the edge's local derivative) over another."""
    from matplotlib.text import Text
    if which == "expression":
        (*_, L), names = micrograd_expression()
        anim = st.animate.backprop(L, names=names, progress=False)
    else:
        net, X, y = lecture_net()
        anim = st.animate.backprop_network(net, X[0], y[0], progress=False)
    fig = anim.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    scale = min(1.0, 1000 / anim.size[0])
    static = [t for t in fig.axes[0].texts if not t.get_animated()]
    for k in range(len(anim)):
        shown = [a for a in anim._update(k) if isinstance(a, Text) and a.get_text()]
        for t in shown + static:
            assert t.get_fontsize() * fig.dpi / 72 * scale >= 10, (k, t.get_text())
        boxes = [(t.get_text(), t.get_window_extent(renderer))
                 for t in shown + static if t is not shown[-1]]  # (the caption: below all)
        for i, (ta, a) in enumerate(boxes):
            for tb, b in boxes[i + 1:]:
                assert not a.padded(-0.5).overlaps(b), f"frame {k}: {ta!r} over {tb!r}"


def test_a_neuron_played_gives_micrograds_gradients_and_says_why_tanh_passes_half():
    torch = pytest.importorskip("torch")
    values = (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)  # x₁, x₂, w₁, w₂, b: micrograd's neuron
    x1, x2, w1, w2, b = (st.tensor(v, requires_grad=True) for v in values)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    anim = st.animate.backprop(o, names={x1: "x₁", x2: "x₂", w1: "w₁", w2: "w₂", b: "b",
                                         o: "o"}, progress=False)
    g = anim.graph
    assert g.names[:5] == ("x₁", "w₁", "x₂", "w₂", "b") and g.values[-1] == pytest.approx(
        0.7071067811865476, rel=1e-12)
    shown = dict(zip(g.names, shown_gradients(anim)))
    for name, want in {"x₁": -1.5, "w₁": 1.0, "x₂": 0.5, "w₂": 0.0, "b": 0.5}.items():
        assert shown[name] == pytest.approx(want, abs=1e-12)
    first = next(s for s in anim.steps if s.edge is not None)
    assert "∂o/∂add += ∂o/∂o · ∂o/∂add = 1 × 0.5" in first.text and "1 − o²" in first.text
    tx = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    torch.tanh(tx[0] * tx[2] + tx[1] * tx[3] + tx[4]).backward()
    np.testing.assert_allclose([shown[k] for k in ("x₁", "x₂", "w₁", "w₂", "b")],
                               [t.grad.item() for t in tx], rtol=1e-12, atol=1e-15)
