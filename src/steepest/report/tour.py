"""``steepest tour``: the gradient-descent lecture, run end to end, as one HTML page.

Seven sections, each computed by the library as the page is built (no number is typed in):
derivatives, the loss surface, gradient descent on the lecture's line, learning rates that
diverge and oscillate (with the diagnosis and the automatic backoff), optimizers on a non-convex
function, neurons and backpropagation, and the loss landscape of the trained network.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._interrupt import checkpoint, interruptible
from .._io import writable_folder
from ..descent.stopping import RTOL
from ..errors import SteepestError
from .builder import Report
from .builder import _format_number as _fmt
from .progress import Progress

__all__ = ["TourConfig", "build_tour", "new_report", "run_tour"]


@dataclass(frozen=True)
class TourConfig:
    """How much work each section does (``quick`` for tests and previews)."""

    quick: bool = False
    surface_grid: int = 60          # points per axis of the 3-D surfaces
    frames: int = 60                # frames per animation
    optim_steps: int = 400          # steps per optimizer in the comparison
    epochs: int = 300               # classifier training epochs
    snapshots: int = 30             # parameter snapshots along training
    landscape_resolution: int = 41  # landscape grid points per axis
    interactive: bool = True        # plotly 3-D when installed

    @classmethod
    def make(cls, quick: bool, interactive: bool = True) -> TourConfig:
        if quick:
            return cls(quick=True, surface_grid=30, frames=8, optim_steps=150, epochs=200,
                       snapshots=8, landscape_resolution=9, interactive=interactive)
        return cls(interactive=interactive)


LECTURE_ETAS = {"converges": 0.002, "diverges": 0.0065, "oscillates": 0.0055}
#: what a diagnosis of the lecture's runs speaks of (its losses are J's, not the figures' ℒ)
ON_J = "Diagnosis of the run on J = ½‖y − Xβ‖² (its losses are J's, half the figures' ℒ):"


def _start(eta: float) -> np.ndarray:
    """The lecture's start for its run at ``eta`` (one definition: datasets.lecture_start)."""
    from ..datasets import lecture_start
    return np.array(lecture_start(eta))


def _lst(x: Any) -> str:
    return "[" + ", ".join(f"{v:g}" for v in np.ravel(x)) + "]"


def _pt(x: Any) -> str:
    return "(" + ", ".join(f"{v:g}" for v in np.ravel(x)) + ")"


def _plt() -> Any:
    import matplotlib.pyplot as plt

    return plt


class _Tour:
    """The sections, sharing what they compute (the lecture's runs, the trained network)."""

    def __init__(self, report: Report, cfg: TourConfig) -> None:
        import steepest as st

        self.st = st
        self.report = report
        self.cfg = cfg
        self.data = st.datasets.lecture_line()
        # the lecture's code steps by η(XᵀXβ − Xᵀy), gradient descent on ½‖y − Xβ‖² (so its
        # rates mean what they mean there); its figures show ℒ = ‖y − Xβ‖², on its box
        self.problem = st.datasets.lecture_problem("half")
        self.lecture = st.datasets.lecture_problem()

    def _loss_surface(self, sec: Any, caption: str, *, name: str, top: float | None,
                      run: Any = None) -> None:
        """The lecture's loss ‖y − Xβ‖² drawn as the lecture draws it (cut at ℒ = top, clean
        edges), interactive when possible, with the descent ``run`` on it."""
        st, n = self.st, self.cfg.surface_grid
        label = f"GD η={run.history.lr[0]:g}" if run is not None else None
        disp = st.plot.quadratic_form(self.lecture, zlim=None if top is None else (0, top),
                                      title="ℒ(β) = ‖y − Xβ‖²",
                                      resolution=(4 * n, n),
                                      path={label: run} if run is not None else None)
        if not self.cfg.interactive:
            sec.figure(disp, caption, name=name)
            return
        (mx, my, mz), = disp.meshes
        paths = [(label, pts) for label, pts in disp.paths.items()]
        sec.surface(mx, my, mz, disp, caption, labels=("β₀", "β₁", "ℒ"), paths=paths,
                    name=name)

    # ---- 1. derivatives ---------------------------------------------------------------------
    def derivatives(self) -> None:
        st = self.st
        sec = self.report.section(
            "Derivatives: the slope of the loss",
            "Take f(x) = 3x² − 4x + 5 as a loss to minimize. At its minimum the slope is zero; "
            "the slope at x is the derivative f'(x), the limit of the secant slopes "
            "(f(x + h) − f(x))/h as h → 0. Below, steepest computes f'(−2) by automatic "
            "differentiation and draws the secants through x = −2 closing in on the tangent; "
            "the animation shrinks h step by step until the secant lies on the tangent.")
        f = st.problems.Quadratic1D()
        hs = (3.0, 1.5, 0.5, 0.1, 0.01) if self.cfg.quick else (3.0, 2.0, 1.0, 0.5, 0.1, 0.01)
        name = "f(x) = 3x^2 - 4x + 5"
        disp = st.plot.tangent(f, -2.0, h=hs, name=name)
        slope = disp.slope
        secants = disp.secant_slopes
        run = st.minimize(f, np.array([-2.0]), st.optim.GD(lr=0.1), max_steps=200, gtol=1e-10)
        sec.code("st.animate.secant(st.problems.Quadratic1D(), -2.0)  # h from 3 down to 0.01")
        with sec.row():
            sec.figure(disp, "The tangent at x = −2 (dashed) and secants through x = −2 + h.",
                       name="tangent and secants")
            sec.animation(st.animate.secant(f, -2.0, np.geomspace(3.0, 0.01, min(self.cfg.frames,
                                                                                  30)),
                                            name=name, progress=False),
                          "The secant through x = −2 and x = −2 + h as h shrinks: its slope "
                          "(written below the plot) approaches f'(−2).")
        sec.table(["h", "secant slope (f(x+h) − f(x))/h", "gap to f'(−2)"],
                  [[h, s, s - slope] for h, s in sorted(secants.items(), reverse=True)],
                  caption=f"f'(−2) by autodiff = {slope:g}")
        sec.text("The slope is the sensitivity of the output to the input: near x = −2 a small "
                 f"change h in x changes f by about {slope:g}·h. Walking downhill — against the "
                 "slope — is gradient descent:")
        sec.numbers({"f'(−2) (autodiff)": slope,
                     "GD from x = −2, η = 0.1: steps": run.nit,
                     "… reaches x": float(np.ravel(run.x)[0]),
                     "exact minimizer, f'(x) = 6x − 4 = 0": float(f.minima[0, 0]),
                     "status": run.status})

    # ---- 2. the loss surface ----------------------------------------------------------------
    def surface(self) -> None:
        st, plt = self.st, _plt()
        y = self.data.y
        sec = self.report.section(
            "The loss surface",
            f"The lecture fits a line y = β₀ + β₁x to {len(y)} points. Each choice of parameters "
            "β = (β₀, β₁) has a loss, the squared error ℒ(β) = ‖y − Xβ‖²; over all β the loss "
            "is a surface, and training means finding its lowest point. Its gradient is "
            "2XᵀXβ − 2Xᵀy; the lecture's code steps with half of it, XᵀXβ − Xᵀy: gradient "
            "descent on J(β) = ½‖y − Xβ‖² = ℒ(β)/2, whose Hessian is XᵀX. Every run below "
            "descends J, so the lecture's learning rates mean what they mean there; the "
            "figures show ℒ as the lecture does, while gradients, Hessians and the diagnoses' "
            "losses are J's (half of ℒ's), and say so.")
        beta_hat = self.problem.solve()
        with sec.row():
            sec.figure(st.plot.fitted_line(self.data.x, y, beta_hat, truth=self.data.beta_true),
                       f"The {len(y)} points and the least-squares line (dashed: the line "
                       f"they were drawn around, β = {_fmt(self.data.beta_true)}).",
                       name="lecture data")
            sec.numbers({"points": len(y), "β̂₀ (normal equations)": beta_hat[0],
                         "β̂₁ (normal equations)": beta_hat[1],
                         "ℒ(β̂) = ‖y − Xβ̂‖²": float(self.lecture(st.tensor(beta_hat)).data),
                         "J(β̂) = ½‖y − Xβ̂‖²": float(self.problem.value(beta_hat))},
                        caption="Least squares, solved exactly")
        self._loss_surface(sec, "The least-squares loss over (β₀, β₁), up to ℒ = 2000 (the "
                                "lecture's view): a bowl "
                                "(a paraboloid, since XᵀX is positive definite) with one lowest "
                                "point.", name="loss surface", top=2000)
        n = self.cfg.surface_grid
        fig = plt.figure(figsize=(11, 4.6))
        convex, nonconvex = st.problems.ConvexBowl(), st.problems.NonConvexSurface()
        st.plot.surface(convex, ax=fig.add_subplot(1, 2, 1, projection="3d"), n=n, alpha=0.8,
                        title=f"convex: {convex.name}")
        st.plot.surface(nonconvex, ax=fig.add_subplot(1, 2, 2, projection="3d"), n=n,
                        alpha=0.8, title=f"non-convex: {nonconvex.name}")
        lm = nonconvex.local_minima
        sec.figure(fig, "Convex (left): every local minimum is global. Non-convex (right): "
                        f"{len(lm)} minima, only one of them global (★, at "
                        f"{_pt(np.round(lm[0], 2))}; the local one at {_pt(np.round(lm[1], 2))} "
                        "lies behind the ridge from this view, see the contour map of section "
                        "5); where descent ends depends on where it starts.",
                   name="convex vs non-convex")
        self._clustering_losses(sec)

    def _clustering_losses(self, sec: Any) -> None:
        """The lecture's bowl beside two non-convex losses it names: k-means' WCSS and a
        Gaussian mixture's NLL over two cluster centres, each minimum found twice."""
        st, plt, n = self.st, _plt(), self.cfg.surface_grid
        km, gm = st.problems.KMeans(), st.problems.GaussianMixture()
        fig = plt.figure(figsize=(13, 4.4))
        st.plot.quadratic_form(self.lecture, zlim=(0, 2000), ax=fig.add_subplot(1, 3, 1,
                               projection="3d"), title="least squares ‖y − Xβ‖²: one minimum",
                               resolution=(4 * n, n))
        for i, p in enumerate((km, gm)):
            st.plot.surface(p, ax=fig.add_subplot(1, 3, i + 2, projection="3d"), n=n,
                            alpha=0.8, labels=("$c_1$", "$c_2$") if p is km else
                            (r"$\mu_1$", r"$\mu_2$"), title=f"{p.name}: two minima")
        fig.tight_layout()
        sec.figure(fig, f"The convex least-squares bowl beside two losses the lecture names "
                        f"that are not convex, over the two centres of {len(km.x)} points on a "
                        f"line: k-means' within-cluster sum of squares Σ min((x − c₁)², "
                        f"(x − c₂)²) and a two-Gaussian mixture's negative log-likelihood "
                        f"(σ = 1). Each has its minimum twice (★: centres "
                        f"{_pt(np.round(km.minima[0], 2))} and swapped), with a ridge along "
                        "c₁ = c₂ between them.", name="non-convex clustering losses", dpi=80)

    # ---- 3. gradient descent on the line ------------------------------------------------------
    def descent(self) -> None:
        st = self.st
        eta = LECTURE_ETAS["converges"]
        x0 = _start(eta)
        sec = self.report.section(
            "Gradient descent on the lecture's line",
            f"Start at β = {_pt(x0)} and repeat β ← β − η (XᵀXβ − Xᵀy) with η = {eta:g}, as "
            "the lecture's code does: gradient descent on J = ½‖y − Xβ‖² (the problem evaluates "
            "the gradient from the precomputed XᵀX; backpropagation gives the same vector, "
            "checked below), for at most 1000 steps, stopping once ‖∇J‖ has fallen to "
            f"{RTOL:g} of its start (as `steepest descend` does). The figures show the lecture's "
            "ℒ = ‖y − Xβ‖². The loss falls fast while the slope is steep, then slowly.")
        sec.code(f"""import steepest as st
problem = st.datasets.lecture_problem("half")  # the step the lecture's code takes
lecture = st.datasets.lecture_problem()        # its ‖y − Xβ‖², on its box
result = st.minimize(problem, {_lst(x0)}, st.optim.GD(lr={eta:g}), max_steps=1000,
                     rtol={RTOL:g})
st.plot.loss_curve({{"GD η={eta:g}": result}}, fun=lecture)
st.animate.descent_3d(result, lecture)""")
        fog = st.plot.directional_derivative(self.lecture, x0,
                                             title="ℒ = ‖y − Xβ‖²: the way down at each β")
        sec.figure(fog, f"Lost in the fog on the mountain, look around 360°: at β = {_pt(x0)} "
                        f"the slope along a unit direction u is ∇ℒ·u (right), lowest "
                        f"(−‖∇ℒ‖ = {-np.linalg.norm(fog.grad):.4g}) along −∇ℒ/‖∇ℒ‖ = "
                        f"{_pt(np.round(fog.steepest, 4))}, the red arrow; the white arrows "
                        "are that steepest way down at every β (left).",
                   name="foggy mountain")
        run = st.minimize(self.problem, x0, st.optim.GD(lr=eta), max_steps=1000, rtol=RTOL)
        beta_hat = self.problem.solve()
        label = f"GD η={eta:g}"
        loss0 = float(self.lecture.value(x0))
        with sec.row():
            sec.figure(st.plot.loss_curve({label: run}, fun=self.lecture),
                       f"ℒ = ‖y − Xβ‖² per iteration (log scale): ln ℒ starts at "
                       f"{np.log(loss0):.3f} (the lecture's np.log), ℒ = {loss0:.4g}.",
                       name="gd loss")
            sec.figure(st.plot.parameter_path({label: run}, solution=beta_hat,
                                              title=rf"Evolution of $\beta$, GD $\eta$ = {eta:g}"),
                       "β per iteration; the star is the normal-equations solution.",
                       name="gd beta path")
        frames = self.cfg.frames
        sec.animation(st.animate.descent_3d({label: run}, self.lecture,
                                            frames=frames, progress=False,
                                            title=f"GD η={eta:g} on ℒ = ‖y − Xβ‖²"),
                      "The descent on the loss surface (use the controls to play or step).")
        self._loss_surface(sec, f"The {run.nit} steps on the loss surface; hover for β and ℒ.",
                           name="gd on the surface", top=None, run=run)
        with sec.row():
            sec.animation(st.animate.line_fit(self.data.x, self.data.y, run, frames=frames,
                                              progress=False),
                          "The fitted line at each step.")
            sec.numbers({"η": eta, "steps": run.nit, "status": run.status,
                         "∇J at the start, by backpropagation": st.grad(self.problem)(x0),
                         "∇J at the start, XᵀXβ − Xᵀy (= ½∇ℒ)":
                             self.problem.value_and_grad(x0)[1],
                         "β after GD": np.asarray(run.x), "β̂ (normal equations XᵀXβ = Xᵀy)":
                         beta_hat, "‖β_GD − β̂‖": float(np.linalg.norm(run.x - beta_hat)),
                         "ℒ(β_GD) = ‖y − Xβ_GD‖²": float(self.lecture.value(run.x))},
                        caption="Gradient descent beside the exact solution")

    # ---- 4. learning rates ------------------------------------------------------------------
    def learning_rates(self) -> None:
        st = self.st
        sec = self.report.section(
            "When the learning rate is too large",
            "Gradient descent on a quadratic is stable only while η < 2/λ_max, where λ_max is "
            "the largest eigenvalue of the Hessian of the function descended (here XᵀX, J's; "
            "ℒ's is 2XᵀX, and the lecture's step, the gradient of J, absorbs the factor 2). "
            "Just above that rate each step "
            "overshoots further and the loss explodes; just below it, the iterates zigzag "
            "across the valley before settling.")
        runs = {eta: st.minimize(self.problem, _start(eta), st.optim.GD(lr=eta),
                                 max_steps=1000, rtol=RTOL) for eta in LECTURE_ETAS.values()}
        too_big, osc_eta = LECTURE_ETAS["diverges"], LECTURE_ETAS["oscillates"]
        diverged, osc = runs[too_big], runs[osc_eta]
        diag = st.diagnose(diverged, self.problem)
        osc_diag = st.diagnose(osc, self.problem)
        start, gd = _lst(_start(too_big)), f"st.optim.GD(lr={too_big:g})"
        sec.code(f"""bad = st.minimize(problem, {start}, {gd}, max_steps=1000, rtol={RTOL:g})
print(st.diagnose(bad, problem).message)""")
        sec.note(f"{ON_J} {diag.message}")
        self._three_rates(sec, runs, diag, osc_diag)
        # the diverging run stops where divergence is detected (step 12): its first 18
        # iterates come from the run the 3-D surface draws, which goes on regardless
        heads = {eta: _head(runs[eta], 60) for eta in LECTURE_ETAS.values()}
        heads[too_big] = np.asarray(self._disaster(sec, too_big).history.x)[:18]
        sec.figure(st.plot.contour(self.lecture,
                                   # the zigzag drawn last: narrowest, on top
                                   paths={f"GD η={eta:g} from {_pt(_start(eta))}": xs
                                          for eta, xs in heads.items()},
                                   title=f"The first 60 steps (the first 18 iterates for "
                                         f"η = {too_big:g})",
                                   colors=st.plot.CURVE_COLORS),  # as in the loss plots
                   f"η = {osc_eta:g} bounces across the valley (each step flips the sign of the "
                   f"component along the steepest eigenvector) while η = 0.002 slides down it; "
                   f"η = {too_big:g} bounces further out at every step (its first 18, as on the "
                   "surface above).", name="oscillation")
        self._backoff(sec, too_big, diverged)
        self._stability_map(sec)

    def _three_rates(self, sec: Any, runs: dict[float, Any], diag: Any, osc_diag: Any) -> None:
        """The three rates' losses (all 1000 steps, and the first 40 where 0.0065's steps
        show) beside the diagnosis numbers."""
        st, plt = self.st, _plt()
        curves = {f"GD η={eta:g}": r for eta, r in runs.items()}
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
        st.plot.loss_curve(curves, ax=axes[0], fun=self.lecture,
                           title="Each whole run (at most 1000 steps)")
        st.plot.loss_curve({k: r.history.x[:41] for k, r in curves.items()}, ax=axes[1],
                           fun=self.lecture, title="The first 40 steps")
        axes[1].get_legend().remove()
        fig.tight_layout()
        too_big, osc_eta = LECTURE_ETAS["diverges"], LECTURE_ETAS["oscillates"]
        sec.figure(fig, "ℒ = ‖y − Xβ‖² per step at the lecture's three rates, each from the "
                        "lecture's own start for it, hence the different first values (✕: "
                        f"divergence detected; η = {LECTURE_ETAS['converges']:g} and "
                        f"{osc_eta:g} stop once converged; right: the first 40 steps, where "
                        f"η = {too_big:g} climbs and η = {osc_eta:g} falls while β zigzags, "
                        "below).", name="three learning rates")
        sec.numbers({"λ_max of J's Hessian XᵀX (from Hessian-vector products)":
                         float(diag.lam_max),
                     "λ_min of J's Hessian": float(diag.lam_min),
                     "critical rate 2/λ_max": f"{float(diag.lr_max):.5f}",
                     f"η = {too_big:g} → status": runs[too_big].status,
                     "… detected at step": runs[too_big].diverged_at,
                     f"η = {too_big:g}: error factor per step 1 − ηλ_max":
                         float(diag.multiplier),
                     f"η = {osc_eta:g} → status": runs[osc_eta].status,
                     f"η = {osc_eta:g}: error factor per step 1 − ηλ_max":
                         float(osc_diag.multiplier),
                     f"η = {osc_eta:g}: steps": runs[osc_eta].nit,
                     "η = 0.002 → status": runs[LECTURE_ETAS["converges"]].status,
                     "η = 0.002: steps": runs[LECTURE_ETAS["converges"]].nit,
                     "suggested η": float(diag.suggested_lr)},
                    caption="The diagnosis, computed from the Hessian")

    def _disaster(self, sec: Any, eta: float) -> Any:
        """The lecture's "total disaster": η = 0.0065 from (−8, −2) for 100 steps, its β, and
        its first 18 iterates on the 3-D surface as the lecture draws them; returns the run."""
        st = self.st
        x0 = _start(eta)
        bad = st.minimize(self.problem, x0, st.optim.GD(lr=eta), max_steps=100,
                          on_divergence="ignore")
        label = f"GD η={eta:g}"
        sec.text(f"The lecture calls η = {eta:g} from {_pt(x0)} \"a total disaster\". On the "
                 "loss surface (seen from azimuth 142°, elevation 58°, β₀ from −12 to 2, as the "
                 "lecture draws it) the first 18 iterates bounce from one side of the valley to "
                 "the other, each landing higher on a steeper wall than the last:")
        with sec.row():
            sec.figure(st.plot.quadratic_form(self.lecture, xlim=(-12, 2), zlim=(-1, 2000),
                                              view=(142, 58), path={label: bad.history.x[:18]},
                                              title=f"{label}: the first 18 steps"),
                       "The first 18 iterates on ℒ = ‖y − Xβ‖² (○ start, □ step 17).",
                       name="total disaster")
            sec.figure(st.plot.parameter_path({label: bad},
                                              title=rf"Evolution of $\beta$, GD $\eta$ = {eta:g}"),
                       f"β over {bad.nit} steps of η = {eta:g}: the zigzag widens every step.",
                       name="diverging beta path")
        return bad

    def _backoff(self, sec: Any, eta: float, diverged: Any) -> None:
        st = self.st
        x0 = _start(eta)
        backoff = st.minimize(self.problem, x0, st.optim.GD(lr=eta), max_steps=1000,
                              on_divergence="backoff", rtol=RTOL)
        sec.text("With `on_divergence=\"backoff\"`, steepest notices the blow-up, returns to "
                 "the last good point (the lowest loss so far), halves η and carries on:")
        sec.code(f"""st.minimize(problem, {_lst(x0)}, st.optim.GD(lr={eta:g}), max_steps=1000,
            on_divergence="backoff", rtol={RTOL:g})""")
        sec.text(_backoff_text(backoff, eta))
        verdict = run_verdict(backoff)
        with sec.row():
            sec.figure(st.plot.loss_curve({f"GD η={eta:g}, on_divergence=\"stop\"": diverged,
                                           f"GD η={eta:g}, on_divergence=\"backoff\"": backoff},
                                          fun=self.lecture, title=f"Backoff: η = {eta:g} → "
                                          f"{float(backoff.history.lr[-1]):g}, {verdict}"),
                       "ℒ per step: stopped at the divergence, or halved and carrying on.",
                       name="backoff")
            sec.figure(st.plot.learning_rate({f"GD η={eta:g}, backoff": backoff},
                                             title=f"Learning rate per step, GD η={eta:g} "
                                             "with backoff"),
                       "The learning rate per step: ✕ marks the rate that diverged, the line "
                       "the halved rate that was kept.", name="backoff learning rate")
        sec.numbers({"starting η": eta,
                     "resumed (η halved) from step": ", ".join(map(str, backoff.history.backoffs))
                     or "never",
                     "final η": float(backoff.history.lr[-1]),
                     "status": backoff.status, "steps counted": backoff.nit,
                     "final β": np.asarray(backoff.x)},
                    caption=f"Backoff: {backoff.status} after "
                            f"{backoff.nit} step{'' if backoff.nit == 1 else 's'}")

    # ---- 4b. one step size, many starts (the stability map) ---------------------------------
    #: the lecture's warning on Rosenbrock: η and the starts whose fates differ
    MAP_ETA = 0.0022
    MAP_STARTS = ((-2.0, 3.0), (-1.5, 2.0), (-0.5, 0.5), (1.2, 1.2), (0.0, 0.0))

    def _stability_map(self, sec: Any) -> None:
        """Every start of a grid over Rosenbrock's domain at 12 rates (batched), and five named
        starts followed for 8,000 steps at η = 0.0022: diverge / cannot converge / converge."""
        st = self.st
        problem = st.problems.Rosenbrock()
        named = np.array(self.MAP_STARTS)
        side, n_rates, steps = (12, 6, 300) if self.cfg.quick else (24, 10, 1000)
        (x_lo, x_hi), (y_lo, y_hi) = problem.domain
        grid = np.stack(np.meshgrid(np.linspace(x_lo, x_hi, side),
                                    np.linspace(y_lo, y_hi, side)), -1).reshape(-1, 2)
        lrs = np.unique(np.r_[np.geomspace(5e-4, 4e-3, n_rates), self.MAP_ETA])
        sweep = st.stability_map(problem, st.optim.GD(), lrs, np.vstack([named, grid]),
                                 max_steps=steps)
        long = st.stability_map(problem, st.optim.GD(), [self.MAP_ETA], named, max_steps=8000,
                                record=range(len(named)))
        hover = st.minimize(problem, named[4], st.optim.GD(lr=self.MAP_ETA), max_steps=8000)
        diag = st.diagnose(hover, problem)
        sec.text(self._map_text(sweep, long, named, side))
        sec.code(f"""m = st.stability_map(st.problems.Rosenbrock(), st.optim.GD(),
                     lrs=np.geomspace(5e-4, 4e-3, {n_rates}), starts=grid, max_steps={steps})
m.plot("map", lr={self.MAP_ETA:g}); m.plot("fractions")""")
        sec.note(diag.message)
        _, axes = _plt().subplots(1, 2, figsize=(11, 5.6), gridspec_kw={"width_ratios": (1.5, 1)})
        from ..plot.stability import StabilityMapDisplay
        shown = StabilityMapDisplay.from_map(sweep, self.MAP_ETA)
        shown.paths = {i: long.paths[(0, i)] for i in range(len(named))}
        shown.plot(axes[0], max_path_steps=8000)
        shown.plot_zoom(axes[1], ((0.9, 0.98), (0.85, 0.92)))
        sec.figure(axes[0].figure, self._map_caption(sweep, long, named, steps, side),
                   name="stability map")
        fractions = sweep.plot("fractions")
        fractions.figure.set_size_inches(9, 4.6)
        sec.figure(fractions.figure, f"The share of the grid's {len(sweep.starts)} starts that "
                   f"converge, stay bounded or diverge within {steps} steps, against η. Left of "
                   f"the dashed limit 2/λ_max(x*) = {sweep.limit:.4g} a bounded run is still "
                   f"crawling along the valley; right of it, it can never converge.",
                   name="stability fractions")

    @staticmethod
    def _fates(long: Any, named: np.ndarray) -> tuple[str, str]:
        def pts(codes: tuple[int, ...]) -> str:
            return ", ".join(f"({a:g}, {b:g})" for (a, b), o in zip(named, long.outcome[0])
                             if o in codes)
        return pts((2,)), pts((0, 1))

    def _map_text(self, sweep: Any, long: Any, named: np.ndarray, side: int) -> str:
        diverge, stay = self._fates(long, named)
        return (f"A step size may diverge from one starting point but not another. Below, "
                f"gradient descent runs on Rosenbrock's function from {len(sweep.starts)} "
                f"starts (a {side} × {side} grid and the {len(named)} named ones) at "
                f"{len(sweep.lrs)} learning rates at once (each rate is one stacked "
                f"array per step, judged by the same divergence detector as `minimize`). At "
                f"η = {self.MAP_ETA:g} the starts {diverge} diverge, while {stay} stay bounded "
                f"— and can never converge: at the minimum λ_max = {sweep.lam_max:.4g}, so "
                f"2/λ_max = {sweep.limit:.4g} < η.")

    def _map_caption(self, sweep: Any, long: Any, named: np.ndarray, steps: int,
                     side: int) -> str:
        eos = [i for i, o in enumerate(long.outcome[0]) if o == 1]
        div = [i for i, o in enumerate(long.outcome[0]) if o == 2]
        ends = np.array([long.x[0, i] for i in eos])
        loss = np.array([long.loss[0, i] for i in eos])
        counts = sweep.counts(self.MAP_ETA)
        return (f"Left: at η = {self.MAP_ETA:g}, each start of a {side} × {side} grid coloured by "
                f"its outcome after {steps} steps ({counts['diverged']} diverge, "
                f"{counts['bounded']} stay bounded, {counts['converged']} converge); the five "
                f"rings are followed for 8000 steps. "
                + ", ".join(f"({named[i][0]:g}, {named[i][1]:g}) diverges at step "
                            f"{int(long.steps[0, i])}" for i in div)
                + f"; the other {len(eos)} are thrown about in the valley and end hovering at "
                f"x ≈ ({ends[:, 0].mean():.2f}, {ends[:, 1].mean():.2f}) with loss ≈ "
                f"{loss.mean():.3f} (◇; right: the last 100 steps, a period-2 orbit) — locally "
                f"unstable at the "
                f"minimum (2/λ_max = {sweep.limit:.4g} < η), self-stabilising at the edge of "
                f"stability.")

    # ---- 5. optimizers ----------------------------------------------------------------------
    def optimizers(self) -> None:
        st = self.st
        problem = st.problems.NonConvexSurface()
        minima = np.asarray(problem.local_minima, float)  # global first
        x0 = np.asarray(problem.x0, float)
        sec = self.report.section(
            "Optimizers on a non-convex function",
            f"A surface with {len(minima)} minima: the global one at {_pt(np.round(minima[0], 2))} "
            f"and a shallower local one at {_pt(np.round(minima[1], 2))}, between it and the "
            "start. Plain gradient "
            "descent follows the steepest slope into the nearest valley; momentum remembers its "
            "velocity and can coast over a ridge; RMSprop and Adam rescale each coordinate by a "
            f"running average of squared gradients. Same start x₀ = ({x0[0]:g}, {x0[1]:g}), "
            f"{self.cfg.optim_steps} steps each.")
        optim = st.optim
        choices = {"GD η=0.5": optim.GD(lr=0.5),
                   "Momentum η=0.1, μ=0.9": optim.Momentum(lr=0.1, momentum=0.9),
                   "Nesterov η=0.1, μ=0.9": optim.Nesterov(lr=0.1, momentum=0.9),
                   "RMSprop η=0.05": optim.RMSprop(lr=0.05),
                   "Adam η=0.1": optim.Adam(lr=0.1)}
        runs = {name: st.minimize(problem, x0, opt, max_steps=self.cfg.optim_steps)
                for name, opt in choices.items()}
        with sec.row():
            sec.figure(st.plot.contour(problem, paths=runs, title=problem.name,
                                       colors=st.plot.CURVE_COLORS),  # as in the loss plot
                       "Paths on the contour map (○ start, □ end, ★ the global minimum, ◆ the "
                       "local one); where paths "
                       "overlap, the earlier run is the wider band beneath.",
                       name="optimizer paths")
            sec.figure(st.plot.loss_curve(runs, log=False, style="-", title="Loss per step"),
                       "Loss per step: the runs that escape the local valley near the start "
                       "reach the global minimum and end lower.",
                       name="optimizer losses")
        rows = []
        for name, r in runs.items():
            xf = np.asarray(r.x, float)
            k = int(np.argmin(np.linalg.norm(minima - xf, axis=1)))
            rows.append([name, r.nit, float(r.fun), xf, "global" if k == 0 else "local"])
        sec.table(["optimizer", "steps", "final loss", "final x", "minimum reached"], rows,
                  caption="Where each optimizer ends")

    # ---- 6. neurons and backpropagation -----------------------------------------------------
    def networks(self) -> None:
        sec = self.report.section(
            "Neurons, networks and backpropagation",
            "An artificial neuron computes σ(w·x + b): a weighted sum of its inputs plus a bias, "
            "passed through a nonlinearity σ. Layers of neurons make a multi-layer perceptron; "
            "the lecture's classifier is 3 → 4 → 4 → 1.")
        self._neuron(sec)
        self._lecture_network(sec)
        self._backprop(sec)
        self._moons_classifier(sec)
        self._edge_of_stability(sec)
        self._trainability(sec)

    def _neuron(self, sec: Any) -> None:
        """One tanh neuron, its numbers, and the activations with their derivatives."""
        st = self.st
        neuron = st.nn.Neuron(3, activation="tanh", seed=0)
        x = np.array([1.0, -2.0, 0.5])
        out = neuron(x)
        w = np.asarray(neuron.w.data).ravel()
        b = float(neuron.b.data)
        with st.no_grad():
            z = float((st.tensor(x) @ neuron.w + neuron.b).data)
        with sec.row():
            sec.figure(st.plot.network_diagram(
                [w.reshape(1, -1)], input_labels=["$x_1$", "$x_2$", "$x_3$"],
                output_labels=[r"$\tanh(w \cdot x + b)$"], title="one neuron"),
                "A neuron with 3 inputs: edge colour is the sign of the weight, width its size.",
                name="neuron")
            sec.numbers({"x": x, "w": w, "b": b, "w·x + b": z,
                         "tanh(w·x + b)": float(np.asarray(out.data).ravel()[0])},
                        caption="One tanh neuron (weights drawn as micrograd does)")
        sec.figure(st.plot.activations(("sigmoid", "tanh", "relu")),
                   "Nonlinearities σ(z) and their derivatives (dashed, by autodiff).",
                   name="activations")

    def _lecture_network(self, sec: Any) -> None:
        """The lecture's 3 → 4 → 4 → 1 classifier trained with Adam."""
        st = self.st
        Xc, yc = st.datasets.lecture_classifier(seed=0)
        net = st.nn.MLP(3, [4, 4, 1], seed=0)
        hist = st.nn.fit(net, Xc, yc, loss="bce_with_logits",
                         optimizer=st.optim.Adam(net.parameters(), lr=0.05),
                         epochs=self.cfg.epochs, seed=0, progress=False)
        with sec.row():
            sec.figure(st.plot.network_diagram(net, title="3 → 4 → 4 → 1 after training"),
                       "Edges coloured by the sign of each weight, width ∝ |w|.",
                       name="network diagram")
            sec.numbers({"parameters": sum(p.data.size for p in net.parameters()),
                         "training points": len(yc), "epochs": len(hist.loss),
                         "final loss (BCE)": float(hist.loss[-1]),
                         "training accuracy": float(hist.metric[-1])},
                        caption="Trained on the lecture's 3-feature data with Adam")

    def _backprop(self, sec: Any) -> None:
        """The chain rule on L = (a·b + c)·f: the graph, its gradients, then played."""
        st = self.st
        sec.text("Backpropagation is the chain rule applied from the output back to every "
                 "input, each node multiplying the gradient flowing in by its local derivative. "
                 "Here on L = (a·b + c)·f:")
        a = st.tensor(2.0, requires_grad=True)
        b_ = st.tensor(-3.0, requires_grad=True)
        c = st.tensor(10.0, requires_grad=True)
        f = st.tensor(-2.0, requires_grad=True)
        e = a * b_
        d = e + c
        L = d * f
        L.backward(retain_grads=True)
        with sec.row():
            sec.figure(st.plot.computation_graph(L, names={a: "a", b_: "b", c: "c", e: "e",
                                                           d: "d", f: "f", L: "L"}),
                       "The computation graph with each node's value and gradient ∂L/∂node.",
                       name="computation graph")
            sec.numbers({"L": float(L.data), "∂L/∂a = f·b": float(a.grad.data),
                         "∂L/∂b = f·a": float(b_.grad.data), "∂L/∂c = f": float(c.grad.data),
                         "∂L/∂f = a·b + c": float(f.grad.data),
                         "finite-difference check": _gradcheck_text(st)},
                        caption="Gradients by backpropagation")
        self._backprop_played(sec, L, {a: "a", b_: "b", c: "c", e: "e", d: "d", f: "f", L: "L"})

    def _moons_classifier(self, sec: Any) -> None:
        """A 2-D classifier, so that the decision boundary can be drawn as it evolves."""
        st = self.st
        Xm, ym = st.datasets.moons(n=120 if self.cfg.quick else 200, noise=0.15, seed=0)
        net2 = st.nn.MLP(2, [8, 8, 1], seed=1)
        every = max(1, self.cfg.epochs // self.cfg.snapshots)
        hist2 = st.nn.fit(net2, Xm, ym, loss="bce_with_logits",
                          optimizer=st.optim.Adam(net2.parameters(), lr=0.03),
                          epochs=self.cfg.epochs, snapshot_every=every, seed=0, progress=False)
        self.classifier = (net2, Xm, ym, hist2)
        with sec.row():
            sec.animation(st.animate.decision_boundary(net2, hist2, Xm, ym,
                                                       progress=False),
                          "The decision boundary of a 2 → 8 → 8 → 1 network on the moons data "
                          "as training proceeds.")
            sec.figure(st.plot.loss_curve(hist2, title="Training loss", style="-"),
                       "Binary cross-entropy per epoch.", name="training loss")

    def _edge_of_stability(self, sec: Any) -> None:
        """Cohen et al. (2021): λ_max tracked under full-batch GD rises to 2/η and hovers."""
        st = self.st
        Xs, ys = st.datasets.spirals(100, n_arms=2, noise=0.05, seed=0)
        Xs, steps = (Xs - Xs.mean(0)) / Xs.std(0), 600 if self.cfg.quick else 2000
        eos = {f"η = {lr:g}": st.nn.fit(st.nn.MLP(2, [16, 16, 1], seed=0), Xs, ys.astype(float),
                                        loss="mse", optimizer=st.optim.GD(lr=lr), epochs=steps,
                                        track_sharpness=10, progress=False) for lr in (0.1, 0.2)}
        ranges = {k: h.sharpness[h.sharpness_steps >= 2 * steps // 3] * h.sharpness_lr[0] / 2
                  for k, h in eos.items()}
        facts = ". ".join(f"At {k}, λ_max starts at {h.sharpness[0] * h.sharpness_lr[0] / 2:.2f}·"
                          f"(2/η) and over the last third stays in [{ranges[k].min():.2f}, "
                          f"{ranges[k].max():.2f}]·(2/η), while {_eos_loss_words(h.loss)}"
                          for k, h in eos.items())
        text = ("The sharpness λ_max (top Hessian eigenvalue, measured every 10 steps) of a tanh "
                "2 → 16 → 16 → 1 network trained by full-batch GD on two spirals, against the "
                "lecture's limit 2/η: it rises until it meets 2/η and from then on swings around "
                "it, and the loss spikes each time it overshoots: the edge of stability (Cohen "
                f"et al. 2021). {facts}.")
        if self.cfg.quick:  # the quick page stays light: the numbers without the figure
            sec.numbers({f"λ_max·η/2 over the last third, {k}": f"{r.min():.2f} … {r.max():.2f}"
                         for k, r in ranges.items()}, caption=text)
        else:
            sec.figure(st.plot.sharpness(eos), text, name="edge of stability")

    def _trainability(self, sec: Any) -> None:
        """Sohl-Dickstein (2024): which per-layer learning rates train a small net, and the
        boundary's fine structure under a zoom."""
        st = self.st
        X, y = st.datasets.moons(24, noise=0.1, seed=0)
        X = (X - X.mean(0)) / X.std(0)
        res, steps = (40, 150) if self.cfg.quick else (96, 300)
        m = st.curvature.trainability_map(X, y, resolution=res, steps=steps, progress=False)
        j = int(np.argmin(abs(np.log10(m.x) - 1.5)))       # the column at η₁ ≈ 30 …
        i = int(np.argmax(~m.trainable[:, j]))             # … where it first fails going up
        z = m.zoom((float(m.x[j]), float(m.y[i])), factor=20)
        sec.text(f"A rate that trains one layer may be too large for another. Below, every "
                 f"pixel is one copy of a 2 → 4 → 4 → 1 tanh network trained for {steps} steps "
                 f"by full-batch GD on 24 points of the moons data, from the same start: the "
                 f"first layer's learning rate along x, the later layers' along y. All "
                 f"{m.outcome.size:,} networks train at once, as one stacked array.")
        with sec.row():
            sec.figure(m.plot(title="Which per-layer rates train"),
                       f"Blue: trained (darker: the loss fell faster); red: diverged (brighter: "
                       f"sooner). {m.trainable.mean():.0%} of the grid trains (computed in "
                       f"{m.elapsed_s:.1f} s).",
                       name="trainability map")
            sec.figure(z.plot(title=f"20× zoom at η₁ = {m.x[j]:.3g}, η₂ = {m.y[i]:.3g}"),
                       f"The same boundary 20 times closer, at the same resolution: "
                       f"{_boundary_words(z.trainable)}. Sohl-Dickstein (2024) zoomed over "
                       f"ten decades and found such structure at every scale: the boundary of "
                       f"trainability is fractal.",
                       name="trainability zoom")

    def _backprop_played(self, sec: Any, L: Any, names: dict[Any, str]) -> None:
        """The backward pass played edge by edge: on L = (a·b + c)·f, on a tanh neuron, then
        through the lecture's 3 → 4 → 4 → 1 network on one of its four samples."""
        st = self.st
        sec.text("The same backward pass, played: first the forward pass fills in each node's "
                 "value, then the chain rule walks back one edge at a time — the local "
                 "derivative ∂child/∂parent on the edge, and the gradient adding up at the node "
                 "it reaches (∂L/∂parent += ∂L/∂child · ∂child/∂parent). Step with ◀ ▶ or "
                 "drag the slider.")
        sec.animation(st.animate.backprop(L, names=names, progress=False),
                      "Backpropagation on L = (a·b + c)·f, one edge per frame.")
        x1, x2, w1, w2, b = (st.tensor(v, requires_grad=True)
                             for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432))
        x1w1, x2w2 = x1 * w1, x2 * w2
        s = x1w1 + x2w2
        n = s + b
        o = n.tanh()
        sec.animation(st.animate.backprop(
            o, names={x1: "x₁", x2: "x₂", w1: "w₁", w2: "w₂", b: "b", x1w1: "x₁w₁",
                      x2w2: "x₂w₂", s: "Σ", n: "n", o: "o"}, progress=False,
            title="backpropagation through a neuron: o = tanh(x₁w₁ + x₂w₂ + b)"),
            "A neuron written out as its scalar operations (micrograd's example, b chosen so "
            "that n = 0.8814 and o = tanh n = 0.7071): tanh passes back 1 − o² = 0.5, the "
            "sums pass it on unchanged, each product multiplies it by the other factor.")
        X, y = st.datasets.lecture_network()
        net = st.nn.MLP(3, [4, 4, 1], activation="relu", seed=2)
        sec.animation(st.animate.backprop_network(net, X[0], y[0], progress=False),
                      "The lecture's 3 → 4 → 4 → 1 network (ReLU hidden layers, linear output, "
                      f"before training) on its first sample x = {tuple(X[0].tolist())}, target "
                      f"y = {y[0]:g}, loss L = (ŷ − y)²: each neuron's gradient ∂L/∂a is the "
                      "sum over the edges leaving it; a ReLU that is off (value 0) passes no "
                      "gradient back. Every number equals steepest's backward and PyTorch's "
                      "(tested).")

    # ---- 7. the loss landscape --------------------------------------------------------------
    def landscape(self) -> None:
        st = self.st
        net, X, y, hist = self.classifier
        sec = self.report.section(
            "The loss landscape of the trained network",
            f"Here the network is the 2 → 8 → 8 → 1 classifier of the moons data trained above "
            f"({sum(p.data.size for p in net.parameters())} parameters; its decision boundary is "
            "the animation of the previous section). It has too many parameters to draw its loss "
            "surface, but we can slice it: the loss on a plane through the trained parameters "
            "θ*, ℒ(θ* + αδ + βν), spanned by two random directions δ and ν (α and β here are "
            "the plane's coordinates, not a learning rate or regression weights) that are "
            "filter-normalized (Li et al., 2018: each direction "
            "rescaled, neuron by neuron, to the norm of the weights it perturbs, so the picture "
            "does not depend on the scale of the weights).")
        res = self.cfg.landscape_resolution
        sec.code(f"""land = st.landscape.surface_2d(net, X, y, loss="bce_with_logits",
                               resolution={res})
land.plot("surface"); land.save("landscape.npz")""")
        land = st.landscape.surface_2d(net, X, y, loss="bce_with_logits", resolution=res,
                                       seed=0, progress=False)
        i0 = int(np.argmin(np.abs(land.alphas)))
        j0 = int(np.argmin(np.abs(land.betas)))
        disp = land.plot("surface")
        if self.cfg.interactive:
            # values[i, j] is at (α_i, β_j): rows of the surface grid run along β
            sec.surface(land.alphas, land.betas, land.loss.T, disp,
                        "The loss over the filter-normalized random plane; θ* sits at (0, 0).",
                        labels=("α", "β", "loss"), name="landscape surface")
        else:
            sec.figure(disp, "The loss over the filter-normalized random plane; θ* at (0, 0).",
                       name="landscape surface")
        sec.text("Random directions say little about where training went. The plane spanned by "
                 "the two principal directions of the training path itself (PCA of the "
                 "snapshots θ_t − θ*) shows the path from the initialization to θ*:")
        pca = st.landscape.pca_directions(hist.snapshots)
        half = 1.25 * float(np.abs(pca.trajectory.coords).max())  # a square plane
        span = [(-half, half), (-half, half)]
        plane = st.landscape.surface_2d(net, X, y, loss="bce_with_logits", directions=pca,
                                        range=span, resolution=res, trajectory=hist.snapshots,
                                        progress=False)
        traj = plane.trajectory
        with sec.row():
            sec.figure(plane.plot("filled", log=True),
                       "Training path (from the initialization to θ*) projected on the PCA "
                       "plane; the legend's \"off-plane\" share is the largest distance of a "
                       "snapshot from the plane, as a fraction of its distance from θ* (the "
                       "third and later principal directions the plane leaves out). "
                       + _plane_low_text(plane), name="landscape path")
            sec.numbers({"grid": f"{res} × {res}", "loss at θ*": float(land.loss[i0, j0]),
                         "highest loss on the random plane": float(np.nanmax(land.loss)),
                         "snapshots on the path": len(hist.snapshots),
                         "variance explained by the 2 PCA directions":
                             f"{float(np.sum(pca.explained_variance_ratio)):.1%}",
                         "worst distance of a snapshot from the plane (÷ its distance to θ*)":
                             f"{float(np.nanmax(traj.relative_residual)):.1%}"},
                        caption="Landscape numbers")


def _plane_low_text(plane: Any) -> str:
    """Whether θ* (the plane's centre) is its lowest grid point — as measured: a net trained
    for a while still descends along the path's own direction, past θ*."""
    i0, j0 = int(np.argmin(np.abs(plane.alphas))), int(np.argmin(np.abs(plane.betas)))
    centre = float(plane.loss[i0, j0])
    i, j = np.unravel_index(int(np.nanargmin(plane.loss)), plane.loss.shape)
    low = float(plane.loss[i, j])
    if not low < centre - 0.05 * abs(centre):
        return f"θ* is the lowest point of this plane's grid (ℒ = {centre:.3g})."
    return (f"θ* is not the bottom of this plane: its lowest grid point, ℒ = {low:.3g} at "
            f"(PC1, PC2) = ({float(plane.alphas[i]):.3g}, {float(plane.betas[j]):.3g}), is "
            f"below ℒ(θ*) = {centre:.3g} — training stopped while the loss still fell along "
            f"this plane.")


def _head(run: Any, k: int) -> np.ndarray:
    return np.asarray(run.history.x)[: k + 1]


def _backoff_text(run: Any, eta: float) -> str:
    """Where a backed-off run resumed, and the steps it threw away (not counted in ``nit``)."""
    rows = list(run.history.backoffs)
    if not rows:
        return f"Here η = {eta:g} never diverged, so nothing was halved."
    where = ", ".join(f"step {k}" for k in rows)
    first = (" The loss rose from the very first step, so the last good point was the start "
             "itself." if rows[0] == 0 else "")
    return (f"Here the rate was halved {len(rows)}× (η = {eta:g} → "
            f"{float(run.history.lr[-1]):g}), resuming from {where}.{first} The {run.discarded} "
            f"steps taken past it and thrown away are not counted: the run {run_verdict(run)} "
            f"counted from there.")


def run_verdict(result: Any) -> str:
    """What a title may say of a run: "converges" only when its status is converged, else
    the status and the steps it counted (the same count as ``nit`` and the CLI's)."""
    if result.status == "converged":
        return f"converges in {result.nit} step{'' if result.nit == 1 else 's'}"
    return f"ends {result.status} after {result.nit} step{'' if result.nit == 1 else 's'}"


def _gradcheck_text(st: Any) -> str:
    """Run ``st.gradcheck`` on the section's expression; it raises (naming the input) if the
    backpropagated gradients disagree with central differences."""
    st.gradcheck(lambda a, b, c, f: (a * b + c) * f, np.array(2.0), np.array(-3.0),
                 np.array(10.0), np.array(-2.0))
    return "passed (central differences, float64)"


SECTIONS = ("derivatives", "surface", "descent", "learning_rates", "optimizers", "networks",
            "landscape")
_LABELS = {"derivatives": "Derivatives", "surface": "The loss surface",
           "descent": "Gradient descent on the line", "learning_rates": "Learning rates",
           "optimizers": "Optimizers compared", "networks": "Neurons and backpropagation",
           "landscape": "The loss landscape"}


def build_tour(cfg: TourConfig, progress: Progress | None = None,
               report: Report | None = None) -> Report:
    """Compute every section into ``report`` (a new one by default) and return it; nothing is
    written. Sections finished before an interruption stay in ``report``."""
    import matplotlib

    import steepest as st

    if report is None:
        report = new_report(cfg)
    tour = _Tour(report, cfg)
    progress = progress or Progress(len(SECTIONS), enabled=False)
    with matplotlib.rc_context({"figure.max_open_warning": 0}):
        for name in SECTIONS:
            with progress.step(_LABELS[name]):
                getattr(tour, name)()
    report.footer = (f"Built in {progress.elapsed:.1f} s by steepest {st.__version__}. Data: "
                     "the lecture's 10 points (np.random.seed(1)) and seeded toy data sets. "
                     "Re-run with `steepest tour`.")
    return report


def new_report(cfg: TourConfig) -> Report:
    """The empty tour page (title and subtitle)."""
    import steepest as st

    return Report("A tour of gradient descent, run by steepest",
                  f"steepest {st.__version__} · every number and figure on this page was "
                  "computed as it was built" + (" · quick mode" if cfg.quick else ""),
                  image_format="webp")


def run_tour(out: str | Path = "steepest-tour", *, quick: bool = False, progress: bool = False,
             figures: bool = False, interactive: bool = True) -> Path:
    """Run the tour and write ``out/index.html`` (and ``out/figures/*.png`` if ``figures``);
    returns the page's path. ``quick`` trades resolution and steps for speed.

    ``out`` is checked before any work (a file, a missing parent, a read-only or full folder
    raise :class:`~steepest.errors.SteepestError`), and the page is written atomically. On
    Ctrl-C the sections finished so far go to ``out/index.partial.html``, marked as partial, a
    previous complete ``index.html`` is left as it was, and the interrupt goes on."""
    out = Path(out)
    if out.suffix == ".html":
        raise SteepestError(f"--out: expected a folder (index.html goes inside), got "
                            f"{str(out)!r}")
    writable_folder(out, "--out")
    cfg = TourConfig.make(quick, interactive)
    report = new_report(cfg)
    with interruptible():
        try:
            build_tour(cfg, Progress(len(SECTIONS), enabled=progress), report)
            checkpoint()  # a Ctrl-C swallowed by a callback in the last section
            page = report.save(out / "index.html")  # atomic: all of it, or nothing
        except KeyboardInterrupt:
            page = _save_partial(report, out)
            print(f"interrupted: the finished sections are in {page}"
                  + ("; the complete report there was left as it was"
                     if (out / "index.html").exists() else ""), file=sys.stderr)
            raise
        (out / PARTIAL).unlink(missing_ok=True)  # superseded by the complete page
        if figures:
            report.save_figures(out / "figures")
    return page


PARTIAL = "index.partial.html"


def _save_partial(report: Report, out: Path) -> Path:
    """Write what ``report`` holds, marked as partial, to ``out/index.partial.html``."""
    done = len(report.sections)
    report.title = f"[PARTIAL] {report.title}"
    report.subtitle = (f"Interrupted: partial report, {done} of {len(SECTIONS)} sections "
                       f"started, the last may be incomplete · {report.subtitle}")
    report.footer = (f"Interrupted: {done} of {len(SECTIONS)} sections were started; the last "
                     "may be incomplete. Re-run `steepest tour` for the complete report.")
    return report.save(out / PARTIAL)


def _eos_loss_words(loss: Any) -> str:
    """What the loss did over a run's last third, as measured: whether its lowest value still
    fell below that of the first two thirds, and where it ended (a run at the edge of stability
    may end mid-spike)."""
    L = np.asarray(loss, dtype=float)
    t = 2 * len(L) // 3
    before, after = float(L[:t].min()), float(L[t:].min())
    trend = (f"still fell, from {before:.4g} before the last third to {after:.4g} in it,"
             if after < before else f"no longer fell below {before:.4g} in the last third,")
    return f"its lowest loss {trend} and the run ended at {float(L[-1]):.4g}"


def _boundary_words(trainable: np.ndarray) -> str:
    """How rough a map's boundary is, in words computed from it: its length against a straight
    line across the panel (pixel edges between the two outcomes ÷ the side), and the islands
    (connected patches, 4-neighbour) of each outcome beyond the largest one."""
    from scipy import ndimage
    t = np.asarray(trainable, bool)
    edges = int((t[1:] != t[:-1]).sum() + (t[:, 1:] != t[:, :-1]).sum())
    islands = sum(max(ndimage.label(side)[1] - 1, 0) for side in (t, ~t))
    where = (f"with {islands} island{'s' if islands != 1 else ''} of one outcome inside the "
             f"other" if islands else "without islands at this resolution")
    return f"it is {edges / t.shape[1]:.1f}× as long as a straight line across the panel, {where}"
