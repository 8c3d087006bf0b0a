"""The ``steepest`` command line.

``steepest tour`` runs the lecture end to end and writes a self-contained HTML report;
``steepest descend`` runs one descent and writes a results table and figures;
``steepest landscape`` maps the loss landscape of a saved model on a data file;
``steepest diagnose`` explains what a learning rate does on a problem (2/λ_max and all).

Every subcommand has ``--help``. A bad argument prints one line on stderr and exits with 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__

OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``steepest descend: error: … (see --help)``, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class UsageError(Exception):
    """A bad value found after parsing (unknown file, wrong dimension …): exit code 2."""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


# ---- problems by name -----------------------------------------------------------------------
def _lecture_line() -> Any:
    from .datasets import lecture_line
    from .problems import LeastSquares

    return LeastSquares(*lecture_line())


def _named(cls_name: str) -> Callable[[], Any]:
    def make() -> Any:
        from . import problems

        return getattr(problems, cls_name)()
    return make


#: CLI name → (constructor, default start or None for the problem's own ``x0``, description)
PROBLEMS: dict[str, tuple[Callable[[], Any], tuple[float, ...] | None, str]] = {
    "lecture-line": (_lecture_line, (-8.0, -3.2),
                     "least squares ½‖y − Xβ‖² on the lecture's 10 points, from (−8, −3.2)"),
    "quadratic": (_named("Quadratic1D"), None, "f(x) = 3x² − 4x + 5"),
    "rosenbrock": (_named("Rosenbrock"), None, "Rosenbrock's banana valley"),
    "himmelblau": (_named("Himmelblau"), None, "Himmelblau's function: four minima"),
}


def make_problem(name: str) -> Any:
    """The problem behind a CLI name (see :data:`PROBLEMS`)."""
    return PROBLEMS[name][0]()


def make_optimizer(name: str, lr: float) -> Any:
    """An optimizer from its CLI name (``gd``, ``adam`` …) with learning rate ``lr``."""
    from . import optim

    classes = {"gd": optim.GD, "momentum": optim.Momentum, "nesterov": optim.Nesterov,
               "adagrad": optim.Adagrad, "rmsprop": optim.RMSprop, "adam": optim.Adam,
               "adamw": optim.AdamW}
    return classes[name](lr=lr)


def _start(problem_name: str, problem: Any, start: Sequence[float] | None) -> np.ndarray:
    default = PROBLEMS[problem_name][1]
    x0 = np.asarray(start if start is not None else (default if default is not None
                                                     else problem.x0), dtype=float).ravel()
    if x0.size != problem.dim:
        raise UsageError(f"--start: problem {problem_name!r} has {problem.dim} parameter(s), "
                         f"got {x0.size} value(s)")
    return x0


# ---- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``steepest`` and its subcommands."""
    parser = _Parser(prog="steepest", description=__doc__.split("\n\n")[1].replace("\n", " "),
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"steepest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tour = sub.add_parser(
        "tour", help="run the lecture end to end and write an HTML report",
        description="Run the gradient-descent lecture end to end — derivatives, the loss surface, "
                    "descent that converges, diverges and oscillates, optimizers, backpropagation, "
                    "a trained network and its loss landscape — and write one self-contained HTML "
                    "page. Every number on it comes from running steepest.")
    tour.add_argument("--out", metavar="DIR", type=Path, default=Path("steepest-tour"),
                      help="folder for index.html (default: ./steepest-tour)")
    tour.add_argument("--quick", action="store_true",
                      help="fewer steps, frames and grid points (seconds instead of a minute)")
    tour.add_argument("--figures", action="store_true",
                      help="also write every static figure as a PNG into DIR/figures")
    tour.add_argument("--no-interactive", action="store_true",
                      help="static 3-D figures only, even when plotly is installed")
    tour.add_argument("--quiet", action="store_true", help="no progress display")

    desc = sub.add_parser(
        "descend", help="run one descent; print a results table, write figures",
        description="Minimize a built-in problem with one optimizer and print what happened "
                    "step by step; write the loss curve, the path on the contour (2-D problems) "
                    "and an animation into --out.")
    desc.add_argument("--problem", choices=sorted(PROBLEMS), default="lecture-line",
                      help="the function to minimize (default: lecture-line); "
                      + "; ".join(f"{k}: {v[2]}" for k, v in PROBLEMS.items()))
    desc.add_argument("--optimizer", choices=OPTIMIZERS, default="gd",
                      help="update rule (default: gd)")
    desc.add_argument("--lr", type=_positive_float, default=0.002,
                      help="learning rate η (default: 0.002)")
    desc.add_argument("--steps", type=_positive_int, default=1000,
                      help="maximum number of steps (default: 1000)")
    desc.add_argument("--start", type=float, nargs="+", metavar="X",
                      help="starting point, one number per parameter (e.g. --start -8 -3.2)")
    desc.add_argument("--on-divergence", choices=("stop", "backoff", "raise"), default="stop",
                      help="stop: end with status 'diverged' and a diagnosis; backoff: halve η "
                           "and retry from the last good point; raise: exit with an error "
                           "(default: stop)")
    desc.add_argument("--out", metavar="DIR", type=Path, default=Path("steepest-descend"),
                      help="folder for the figures (default: ./steepest-descend)")
    desc.add_argument("--no-animation", action="store_true", help="skip the animated GIF")

    land = sub.add_parser(
        "landscape", help="map the loss landscape around a saved model",
        description="Evaluate the loss of a saved model (steepest.nn model.save) on a data file "
                    "over a 2-D plane of parameter space through the model (filter-normalized "
                    "random directions by default, Li et al. 2018); write landscape.png and "
                    "landscape.npz.")
    land.add_argument("model", type=Path, help="model file written by model.save(path) (.npz)")
    land.add_argument("data", type=Path,
                      help="data: .npz with arrays X and y, or .csv with the target last")
    land.add_argument("--loss", choices=("mse", "bce", "cross-entropy"), default="bce",
                      help="loss on the model's outputs: mse, bce (binary cross-entropy on "
                           "logits) or cross-entropy (default: bce)")
    land.add_argument("--directions", choices=("random", "pca", "hessian"), default="random",
                      help="random: filter-normalized random; hessian: top curvature "
                           "eigenvectors (default: random)")
    land.add_argument("--resolution", type=_positive_int, default=31,
                      help="grid points per axis (default: 31)")
    land.add_argument("--span", type=_positive_float, default=1.0,
                      help="plane extent: coordinates in [−span, span] (default: 1)")
    land.add_argument("--seed", type=int, default=0, help="seed for random directions")
    land.add_argument("--out", metavar="DIR", type=Path, default=Path("steepest-landscape"),
                      help="output folder (default: ./steepest-landscape)")

    diag = sub.add_parser(
        "diagnose", help="what does learning rate η do on a problem, and why",
        description="Run gradient descent with learning rate η and explain the outcome with the "
                    "curvature: converges, oscillates or diverges, and the critical rate "
                    "2/λ_max of the Hessian.")
    diag.add_argument("--problem", choices=sorted(PROBLEMS), default="lecture-line",
                      help="the function (default: lecture-line)")
    diag.add_argument("--lr", type=_positive_float, required=True, help="learning rate η")
    diag.add_argument("--optimizer", choices=OPTIMIZERS, default="gd",
                      help="update rule (default: gd)")
    diag.add_argument("--steps", type=_positive_int, default=1000,
                      help="maximum number of steps (default: 1000)")
    diag.add_argument("--start", type=float, nargs="+", metavar="X",
                      help="starting point, one number per parameter")
    return parser


# ---- commands -------------------------------------------------------------------------------
def cmd_tour(args: argparse.Namespace) -> int:
    from .report.tour import run_tour

    path = run_tour(args.out, quick=args.quick, progress=not args.quiet,
                    figures=args.figures, interactive=not args.no_interactive)
    print(path.resolve())
    return 0


def _history_rows(result: Any, n: int = 12) -> list[list[Any]]:
    h = result.history
    last = len(h.loss) - 1
    steps = np.unique(np.r_[0, np.geomspace(1, max(last, 1), n - 1).astype(int), last])
    steps = steps[steps <= last]
    return [[int(k), float(h.loss[k]), float(h.grad_norm[k]), float(h.lr[k])] for k in steps]


def _print_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from .report.builder import _format_number

    cells = [list(header)] + [[_format_number(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for j, r in enumerate(cells):
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
        if j == 0:
            print("  ".join("-" * w for w in widths))


def cmd_descend(args: argparse.Namespace) -> int:
    import steepest

    problem = make_problem(args.problem)
    x0 = _start(args.problem, problem, args.start)
    optimizer = make_optimizer(args.optimizer, args.lr)
    result = steepest.minimize(problem, x0, optimizer, max_steps=args.steps,
                               on_divergence=args.on_divergence)
    print(f"{args.problem}: {args.optimizer} with lr={args.lr:g} from "
          f"({', '.join(f'{v:g}' for v in x0)})")
    _print_table(["step", "loss", "|grad|", "lr"], _history_rows(result))
    print(f"status: {result.status} after {result.nit} steps — {result.message}")
    print(f"x = ({', '.join(f'{v:.6g}' for v in np.asarray(result.x).ravel())}), "
          f"loss = {float(result.fun):.6g}")
    if result.history.backoffs:
        print(f"learning rate halved at steps {list(result.history.backoffs)}")
    if result.status == "diverged":
        print(steepest.diagnose(result, problem).message)
    written = _descend_figures(args, problem, result)
    for p in written:
        print(f"wrote {p}")
    return 0


def _descend_figures(args: argparse.Namespace, problem: Any, result: Any) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import animate, plot

    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    d = plot.loss_curve(result)
    d.figure.savefig(args.out / "loss.png", dpi=110, bbox_inches="tight")
    plt.close(d.figure)
    written.append(args.out / "loss.png")
    if problem.dim == 2:
        d = plot.contour(problem, result)
        d.figure.savefig(args.out / "path.png", dpi=110, bbox_inches="tight")
        plt.close(d.figure)
        written.append(args.out / "path.png")
        if not args.no_animation:
            anim = animate.descent(problem, result)
            anim.save(args.out / "descent.gif")
            written.append(args.out / "descent.gif")
    return written


def cmd_diagnose(args: argparse.Namespace) -> int:
    import steepest

    problem = make_problem(args.problem)
    x0 = _start(args.problem, problem, args.start)
    result = steepest.minimize(problem, x0, make_optimizer(args.optimizer, args.lr),
                               max_steps=args.steps, on_divergence="stop")
    diagnosis = steepest.diagnose(result, problem)
    print(f"{args.problem}: {args.optimizer} with lr={args.lr:g} → {result.status} "
          f"after {result.nit} steps")
    print(diagnosis.message)
    return 0


def _load_data(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.exists():
        raise UsageError(f"data file {str(path)!r} does not exist")
    if path.suffix == ".npz":
        with np.load(path) as f:
            missing = {"X", "y"} - set(f.files)
            if missing:
                raise UsageError(f"data file {str(path)!r} must hold arrays 'X' and 'y' "
                                 f"(has {sorted(f.files)})")
            return np.asarray(f["X"], float), np.asarray(f["y"], float)
    if path.suffix == ".csv":
        table = np.loadtxt(path, delimiter=",", ndmin=2)
        return table[:, :-1], table[:, -1]
    raise UsageError(f"data file {str(path)!r}: expected .npz (X, y) or .csv")


def cmd_landscape(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import landscape, nn

    if not args.model.exists():
        raise UsageError(f"model file {str(args.model)!r} does not exist")
    model = nn.load(args.model)
    X, y = _load_data(args.data)
    loss_fn = {"mse": nn.mse, "bce": nn.binary_cross_entropy_with_logits,
               "cross-entropy": nn.cross_entropy}[args.loss]
    if args.loss != "cross-entropy":
        y = y.reshape(-1, 1)
    surface = landscape.surface_2d(model, lambda m: loss_fn(m(X), y),
                                   directions=args.directions, span=args.span,
                                   resolution=args.resolution, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    npz = surface.save(args.out / "landscape.npz")
    d = surface.plot()
    d.figure.savefig(args.out / "landscape.png", dpi=110, bbox_inches="tight")
    plt.close(d.figure)
    print(f"loss at the model: {float(surface.center_loss):.6g}; over the plane: "
          f"min {np.nanmin(surface.loss):.6g}, max {np.nanmax(surface.loss):.6g}")
    print(f"wrote {npz or args.out / 'landscape.npz'}")
    print(f"wrote {args.out / 'landscape.png'}")
    return 0


COMMANDS = {"tour": cmd_tour, "descend": cmd_descend, "landscape": cmd_landscape,
            "diagnose": cmd_diagnose}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``steepest``; returns the exit code (0 ok, 2 bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    sub = parser._subparsers._group_actions[0].choices[args.command]  # type: ignore[union-attr]
    try:
        return COMMANDS[args.command](args)
    except (UsageError, ValueError) as exc:
        sub.error(str(exc))
    except KeyboardInterrupt:
        print(f"{sub.prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
