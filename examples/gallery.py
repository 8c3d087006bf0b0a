"""Write every figure of ``steepest.plot`` and a few animations into a folder.

    python examples/gallery.py [OUT] [--no-animations]

OUT defaults to ``gallery/``. The lecture's figures come first, reproduced from its data: the
loss surface with the η = 0.002 path, the log-loss curve, the β path, the η = 0.0065 overshooting
path (view azim 142, elev 58, β₀ ∈ [−12, 2]) and the line-fit animation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import steepest as st
from steepest import animate, plot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="gallery", type=Path)
    parser.add_argument("--no-animations", action="store_true")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(disp, name: str) -> None:
        path = out / f"{name}.png"
        disp.figure.savefig(path, dpi=110, bbox_inches="tight", facecolor="white")
        plt.close(disp.figure)
        written.append(path)

    def save_anim(anim, name: str, exts=(".gif",)) -> None:
        for ext in exts:
            if ext == ".mp4":
                try:
                    animate.ffmpeg_executable()
                except RuntimeError as exc:  # no video extra: the .gif still shows it
                    print(f"skipped {name}.mp4: {exc}")
                    continue
            written.append(anim.save(out / f"{name}{ext}", progress=False))

    # ---- derivatives ---------------------------------------------------------------------
    save(plot.tangent(st.problems.Quadratic1D(), -2.0, h=[3.0, 1.0, 0.3],
                      name="f(x) = 3x^2 - 4x + 5"),
         "01_tangent_and_secants")
    save(plot.activations(), "02_activations")

    # ---- the lecture's least-squares line --------------------------------------------------
    data = st.datasets.lecture_line()
    X, y = data
    # runs take the lecture code's step η(XᵀXβ − Xᵀy) (½‖y − Xβ‖²); surfaces show its ‖y − Xβ‖²
    problem = st.datasets.lecture_problem("half")
    lecture = st.datasets.lecture_problem()
    beta_hat = problem.solve()
    save(plot.fitted_line(data.x, y, data.beta_true, truth=None), "03_lecture_data_and_line")
    save(plot.quadratic_form(lecture, zlim=(-1, 2000),
                             title=r"$\Vert \mathbf{y}-X\mathbf{\beta}\Vert^2$"),
         "04_lecture_loss_surface")
    good = st.minimize(problem, np.array([-8.0, -3.2]), st.optim.GD(lr=0.002), max_steps=1000)
    save(plot.quadratic_form(lecture, path={"GD η=0.002": good},
                             title=r"GD, $\eta = 0.002$"), "05_lecture_surface_eta0.002_path")
    save(plot.loss_curve(good), "06_lecture_log_loss")
    save(plot.parameter_path(good, solution=beta_hat), "07_lecture_beta_path")
    bad = st.minimize(problem, np.array([-8.0, -2.0]), st.optim.GD(lr=0.0065), max_steps=100,
                      on_divergence="ignore")
    save(plot.loss_curve({r"$\eta = 0.0065$": bad}), "08_lecture_log_loss_eta0.0065")
    save(plot.parameter_path(bad), "09_lecture_beta_path_eta0.0065")
    save(plot.quadratic_form(lecture, xlim=(-12, 2), zlim=(-1, 2000), view=(142, 58),
                             path={"GD η=0.0065": bad.history.x[:18]},
                             title=r"$\eta = 0.0065$ overshoots"),
         "10_lecture_overshooting_surface")
    runs = {rf"$\eta = {eta}$": st.minimize(problem, np.array([-8.0, -2.0]),
                                             st.optim.GD(lr=eta), max_steps=steps,
                                             on_divergence="ignore")
            for eta, steps in ((0.002, 60), (0.0055, 60), (0.0065, 12))}
    stopped = st.minimize(problem, np.array([-8.0, -2.0]), st.optim.GD(lr=0.0065),
                          max_steps=200)  # on_divergence="stop": diverged_at (12) is marked
    save(plot.loss_curve({k: v for k, v in runs.items() if "0.0065" not in k}
                         | {r"$\eta = 0.0065$": stopped},
                         title="Three learning rates"), "11_three_learning_rates_loss")
    save(plot.contour(lambda beta: 2 * problem(beta), (-12, 6), (-4, 4), levels=25,
                      paths=runs, minima=beta_hat[None], title="Least squares, three η",
                      labels=(r"$\beta_0$", r"$\beta_1$")),  # a bare function: name its axes
         "12_three_learning_rates_contour")
    rosen = st.problems.Rosenbrock()
    sched = st.optim.schedules
    lr_runs = {name: st.minimize(rosen, rosen.x0, st.optim.GD(lr=lr), max_steps=400)
               for name, lr in (("step decay", sched.StepDecay(2e-3, 100, 0.5)),
                                ("exponential", sched.ExponentialDecay(2e-3, 0.995)),
                                ("warm-up + cosine", sched.WarmupCosine(2e-3, 400, 50)))}
    backoff = st.minimize(problem, np.array([-8.0, -2.0]), st.optim.GD(lr=0.02),
                          max_steps=300, on_divergence="backoff")
    save(plot.learning_rate(lr_runs, title="Learning-rate schedules"), "13_learning_rates")
    save(plot.dashboard({"η = 0.002": good, "backoff from 0.02": backoff}), "14_dashboard")
    save(plot.fitted_line(X, y, good, step=20, truth=data.beta_true), "15_fitted_line_step20")

    # ---- surfaces of test functions ----------------------------------------------------------
    races = {"GD": st.minimize(rosen, rosen.x0, st.optim.GD(lr=1e-3), max_steps=2000),
             "Momentum": st.minimize(rosen, rosen.x0, st.optim.Momentum(lr=2e-4),
                                     max_steps=2000),
             "Adam": st.minimize(rosen, rosen.x0, st.optim.Adam(lr=0.02), max_steps=2000)}
    save(plot.contour(rosen, paths=races), "16_rosenbrock_contour_optimizers")
    save(plot.surface(rosen, paths=races, view=(-60, 35)), "17_rosenbrock_surface")
    himmel = st.problems.Himmelblau()
    starts = {f"start {s}": st.minimize(himmel, np.array(s, float), st.optim.GD(lr=0.01),
                                        max_steps=200)
              for s in ([-1.0, 0.0], [0.0, -1.0], [1.0, 1.0], [-1.0, -1.0])}
    save(plot.contour(himmel, paths=starts), "18_himmelblau_four_minima")
    fig = plt.figure(figsize=(12, 5.5))
    plot.surface(st.problems.ConvexBowl(), ax=fig.add_subplot(1, 2, 1, projection="3d"),
                 n=60, alpha=0.8, title="convex")
    d = plot.surface(st.problems.NonConvexSurface(), ax=fig.add_subplot(1, 2, 2,
                                                                         projection="3d"),
                     n=60, alpha=0.8, title="non-convex")
    save(d, "19_convex_vs_nonconvex")

    # ---- networks and backprop ---------------------------------------------------------------
    net = st.nn.MLP(3, [4, 4, 1], seed=0)
    Xc, yc = st.datasets.lecture_classifier(n=300, seed=0)
    st.nn.fit(net, Xc, yc, loss="bce_with_logits",
              optimizer=st.optim.Adam(net.parameters(), lr=0.03), epochs=100, progress=False,
              seed=0)
    save(plot.network_diagram(net, input_labels=["$x_1$", "$x_2$", "$x_3$"],
                              output_labels=[r"$\hat y$"],
                              title="3 → 4 → 4 → 1 classifier after training"),
         "20_network_diagram")
    Xm, ym = st.datasets.moons(n=200, noise=0.15, seed=0)
    net2 = st.nn.MLP(2, [8, 8, 1], seed=1)
    hist = st.nn.fit(net2, Xm, ym, loss="bce_with_logits",
                     optimizer=st.optim.Adam(net2.parameters(), lr=0.03), epochs=150,
                     snapshot_every=10, seed=0, progress=False)
    save(plot.decision_boundary(net2, Xm, ym, title="2 → 8 → 8 → 1 on the moons"),
         "21_decision_boundary")
    save(plot.loss_curve(hist, title="Training loss (BCE)", style="-"), "22_training_loss")
    Xs, ys = st.datasets.spirals(n=300, n_arms=3, noise=0.05, seed=0)
    net3 = st.nn.MLP(2, [32, 32, 3], seed=0)
    st.nn.fit(net3, Xs, ys, loss="cross_entropy",
              optimizer=st.optim.Adam(net3.parameters(), lr=0.02), epochs=300, progress=False,
              seed=0)
    save(plot.decision_boundary(net3, Xs, ys, pad=0.3, title="2 → 32 → 32 → 3 on spirals"),
         "22b_three_class_boundary")
    a = st.tensor(2.0, requires_grad=True)
    b_ = st.tensor(-3.0, requires_grad=True)
    c_ = st.tensor(10.0, requires_grad=True)
    e = a * b_
    d_ = e + c_
    f_ = st.tensor(-2.0, requires_grad=True)
    L = d_ * f_
    L.backward(retain_grads=True)
    save(plot.computation_graph(L, order="backward",
                                names={a: "a", b_: "b", c_: "c", e: "e", d_: "d", f_: "f",
                                       L: "L"}), "23_computation_graph")
    w = st.tensor(np.array([0.5, -1.0]), requires_grad=True)
    xin = st.tensor(np.array([1.0, 2.0]))
    neuron = st.tanh((w * xin).sum() + 0.3)
    neuron.backward(retain_grads=True)
    save(plot.computation_graph(neuron, names={w: "w", neuron: "o"}), "24_neuron_graph")

    # ---- animations ------------------------------------------------------------------------
    if not args.no_animations:
        save_anim(animate.secant(st.problems.Quadratic1D(), -2.0, name="f(x) = 3x^2 - 4x + 5",
                                 progress=False), "a0_secant_to_tangent")
        save_anim(animate.descent_3d(good, lecture, frames=animate.LECTURE_FRAMES,
                                     progress=False), "a1_lecture_descent_3d", (".gif", ".mp4"))
        save_anim(animate.line_fit(X, y, good, frames=animate.LECTURE_FRAMES, progress=False),
                  "a2_lecture_line_fit", (".gif", ".html"))
        save_anim(animate.descent_3d(bad.history.x[:18], lecture, xlim=(-12, 2),
                                     view=(142, 58), progress=False), "a3_overshooting")
        save_anim(animate.race(rosen, races, frames=80, progress=False),
                  "a4_rosenbrock_race")
        save_anim(animate.decision_boundary(net2, hist, Xm, ym, progress=False),
                  "a5_decision_boundary")
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
