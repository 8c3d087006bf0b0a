"""The ``steepest`` command line.

``steepest tour`` runs the lecture end to end and writes a self-contained HTML report;
``steepest descend`` runs one descent and writes a results table and figures;
``steepest landscape`` maps the loss landscape of a saved model on a data file;
``steepest diagnose`` explains what a learning rate does on a problem (2/λ_max and all);
``steepest trainability`` maps which pairs of per-layer learning rates train a small network;
``steepest explore`` serves the live explorer (descent lab, network playground, landscapes).

Every subcommand has ``--help``. A bad argument prints one line on stderr and exits with 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__
from ._interrupt import interruptible
from ._io import writable_folder
from ._npz import NpzReader
from ._validate import check_float, check_int
from .descent.stopping import RTOL  # the convergence test: the lab's and the tour's too
from .optim.optimizers import OPTIMIZERS


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """``--help`` with each option's default appended (unless its help already speaks of its
    default, or there is none to show: None, a flag); text with line breaks (the epilogs'
    tables) is kept as written, a one-paragraph description is wrapped."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        return argparse.HelpFormatter._fill_text(self, text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool) or \
                "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``steepest descend: error: … (see --help)``, exit 2, and
    :class:`_HelpFormatter` for the top parser and every subparser."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class UsageError(Exception):
    """A bad value found after parsing (unknown file, wrong dimension …): exit code 2."""


def _arg_type(parse: Callable[[str], Any], check: Callable[..., Any], what: str,
              **bounds: Any) -> Callable[[str], Any]:
    """An argparse ``type=``: parse the text, then check it with the library's own rules
    (:mod:`steepest._validate`), so ``--lr nan`` fails here as ``lr=nan`` fails in Python."""
    def convert(text: str) -> Any:
        try:
            return check(parse(text), "value", **bounds)
        except (ValueError, TypeError):  # SteepestError is a ValueError
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    convert.__name__ = what
    return convert


_positive_float = _arg_type(float, check_float, "a positive number", low=0.0, low_open=True)
_nonnegative_float = _arg_type(float, check_float, "a number ≥ 0", low=0.0)
_positive_int = _arg_type(int, check_int, "a positive integer")


# ---- problems by name -----------------------------------------------------------------------
def _problem_names() -> dict[str, str]:
    """CLI name → description: the lecture's line, the lecture's 1-D quadratic and every 2-D test
    function of :data:`steepest.problems.TEST_FUNCTIONS` (lower case, hyphenated)."""
    from .problems import TEST_FUNCTIONS

    names = {"lecture-line": "least squares ½‖y − Xβ‖² on the lecture's 10 points, "
                             "from the lecture's start for the rate: (−8, −3.2) for η ≤ 0.002, "
                             "(−8, −2) above",
             "quadratic": "f(x) = 3x² − 4x + 5"}
    for cls_name, cls in TEST_FUNCTIONS.items():
        names[_hyphenate(cls_name)] = cls.name
    return names


def _hyphenate(name: str) -> str:
    return "".join("-" + c.lower() if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


def make_problem(name: str) -> Any:
    """The problem behind a CLI name (see :func:`_problem_names`)."""
    from . import problems
    from .datasets import lecture_problem

    if name == "lecture-line":  # the step the lecture's code takes, framed on its box
        return lecture_problem("half")
    if name == "quadratic":
        return problems.Quadratic1D()
    by_cli = {_hyphenate(k): cls for k, cls in problems.TEST_FUNCTIONS.items()}
    if name not in by_cli:
        raise UsageError(f"--problem: unknown problem {name!r}")
    return by_cli[name]()


def make_optimizer(name: str, lr: float) -> Any:
    """An optimizer from its name in :data:`steepest.optim.OPTIMIZERS` (``gd``, ``adam`` …)
    with learning rate ``lr``."""
    from .optim import get_optimizer

    return get_optimizer(name, lr=lr)


def default_start(problem_name: str, problem: Any, lr: float) -> tuple[float, ...]:
    """Where a run starts when ``--start`` is not given: for the lecture's line the lecture's
    own start for that rate (:func:`steepest.datasets.lecture_start`: (−8, −3.2) for
    η ≤ 0.002, (−8, −2) above), else the problem's ``x0``."""
    from .datasets import lecture_start

    if problem_name == "lecture-line":
        return lecture_start(lr)
    return tuple(float(v) for v in problem.x0)


def _start(problem_name: str, problem: Any, start: Sequence[float] | None,
           lr: float) -> np.ndarray:
    if start is None:
        start = default_start(problem_name, problem, lr)
    x0 = np.asarray(start, dtype=float).ravel()
    if x0.size != problem.dim:
        raise UsageError(f"--start: problem {problem_name!r} has {problem.dim} parameter(s), "
                         f"got {x0.size} value(s)")
    return x0


_EXAMPLES = """examples:
  steepest tour                          the lecture as one HTML page in ./steepest-tour/
  steepest descend --lr 0.0065           the lecture's line at a rate that diverges, diagnosed
  steepest descend --problem rosenbrock --optimizer adam --lr 0.05 --steps 2000
  steepest diagnose --lr 0.0055          why this rate zigzags
  steepest landscape model.npz data.npz  the loss around a model saved with model.save()
  steepest trainability --resolution 128 which per-layer rates train a small net (moons)
  steepest explore                       the live explorer in your browser (needs [explore])
"""

_EXIT_STATUSES = {0: "success",
                  2: "refused: a bad argument, file or output folder, or too little memory",
                  130: "interrupted (Ctrl-C)",
                  141: "the reader of the output went away (e.g. | head -1)"}


def _exit_statuses(extra: dict[int, str] | None = None) -> str:
    """The ``exit status:`` epilog of a ``--help``: the statuses every command shares and
    ``extra`` (a command's own, or its rewording of a shared one)."""
    codes = {**_EXIT_STATUSES, **(extra or {})}
    return "exit status:\n" + "".join(f"  {k:<4} {codes[k]}\n" for k in sorted(codes))


# ---- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``steepest`` and its subcommands."""
    parser = _Parser(prog="steepest", description="See gradient descent work, and fail, and why.",
                     epilog=_EXAMPLES + "\n" + _exit_statuses(
                         {1: "descend --on-divergence raise: the run diverged; "
                             "explore: the explore extra is missing"}))
    parser.add_argument("--version", action="version", version=f"steepest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    problems = _problem_names()
    _add_tour(sub)
    _add_descend(sub, problems)
    _add_landscape(sub)
    _add_diagnose(sub, problems)
    _add_trainability(sub)
    _add_explore(sub)
    return parser


def _add_tour(sub: Any) -> None:
    """``steepest tour``: the lecture as one HTML page."""
    tour = sub.add_parser(
        "tour", help="run the lecture end to end and write an HTML report",
        description="Run the gradient-descent lecture end to end — derivatives, the loss surface, "
                    "descent that converges, diverges and oscillates, optimizers, backpropagation, "
                    "a trained network and its loss landscape — and write one self-contained HTML "
                    "page. Every number on it comes from running steepest.",
        epilog=_exit_statuses())
    tour.add_argument("--out", metavar="DIR", type=Path, default=Path("steepest-tour"),
                      help="folder for index.html")
    tour.add_argument("--quick", action="store_true",
                      help="fewer steps, frames and grid points: about 30 s of CPU time instead of "
                           "about a minute (the tests use it)")
    tour.add_argument("--figures", action="store_true",
                      help="also write every static figure as a PNG into DIR/figures")
    tour.add_argument("--no-interactive", action="store_true",
                      help="static 3-D figures only, even when plotly is installed")
    tour.add_argument("--quiet", action="store_true", help="no progress display")


def _add_descend(sub: Any, problems: dict[str, str]) -> None:
    """``steepest descend``: one descent, its table and figures."""
    desc = sub.add_parser(
        "descend", help="run one descent; print a results table, write figures",
        description="Minimize a built-in problem with one optimizer and print what happened "
                    "step by step; write the loss curve, the path on the contour (2-D problems) "
                    "and an animation into --out.",
        epilog=_exit_statuses({0: "success, also when the run diverged or stopped at --steps",
                               1: "the run diverged under --on-divergence raise"}))
    desc.add_argument("--problem", choices=list(problems), default="lecture-line",
                      metavar="NAME", help="the function to minimize (default: lecture-line): "
                      + "; ".join(f"{k} ({v})" for k, v in problems.items()))
    desc.add_argument("--optimizer", choices=list(OPTIMIZERS), default="gd",
                      help="update rule; sgd is the same as gd")
    desc.add_argument("--lr", type=_positive_float, default=0.002,
                      help="learning rate η")
    desc.add_argument("--steps", type=_positive_int, default=1000,
                      help="maximum number of steps")
    desc.add_argument("--start", type=float, nargs="+", metavar="X",
                      help="starting point, one number per parameter (e.g. --start -8 -3.2; "
                           "default: the lecture's start for the rate on lecture-line, else the "
                           "problem's own)")
    desc.add_argument("--rtol", type=_nonnegative_float, default=RTOL,
                      help="converged once ‖∇L‖ ≤ RTOL × its value at the start; 0 turns "
                           "the test off")
    desc.add_argument("--on-divergence", choices=("stop", "backoff", "raise", "ignore"),
                      default="stop",
                      help="stop: end with status 'diverged' and a diagnosis; backoff: halve η "
                           "and resume from the last good point; raise: exit with an error and "
                           "the diagnosis; ignore: keep stepping until a value overflows")
    desc.add_argument("--out", metavar="DIR", type=Path, default=Path("steepest-descend"),
                      help="folder for the figures")
    desc.add_argument("--no-animation", action="store_true", help="skip the animated GIF")


def _add_landscape(sub: Any) -> None:
    """``steepest landscape``: the loss around a saved model."""
    land = sub.add_parser(
        "landscape", help="map the loss landscape around a saved model",
        description="Evaluate the loss of a saved model (steepest.nn model.save) on a data file "
                    "over a 2-D plane of parameter space through the model, spanned by two "
                    "seeded random directions (filter-normalized by default, Li et al. 2018); "
                    "write landscape.png and landscape.npz.",
        epilog=_exit_statuses())
    land.add_argument("model", type=Path, help="model file written by model.save(path) (.npz)")
    land.add_argument("data", type=Path,
                      help="data: .npz with arrays X and y, or .csv with the target last")
    from .nn.losses import LOSS_INFO

    land.add_argument("--loss", choices=sorted(LOSS_INFO), default="bce_with_logits",
                      metavar="NAME",
                      help="loss on the model's outputs, each name as in steepest.nn and "
                           "PyTorch: bce_with_logits (binary cross-entropy on raw scores; the "
                           "default), bce (on probabilities: the model must end in a sigmoid), "
                           "cross_entropy (class scores against integer labels), mse, mae, "
                           "huber, hinge")
    land.add_argument("--normalization", choices=("filter", "layer", "none"), default="filter",
                      help="how the random directions are scaled to the weights: per neuron "
                           "(filter, Li et al. 2018), per layer, or not at all")
    land.add_argument("--resolution", type=_positive_int, default=31,
                      help="grid points per axis")
    land.add_argument("--span", type=_positive_float, default=1.0,
                      help="plane extent: coordinates in [−span, span]")
    land.add_argument("--seed", type=int, default=0, help="seed of the random directions")
    land.add_argument("--out", metavar="DIR", type=Path, default=Path("steepest-landscape"),
                      help="output folder")


def _add_diagnose(sub: Any, problems: dict[str, str]) -> None:
    """``steepest diagnose``: what η does on a problem, and why."""
    diag = sub.add_parser(
        "diagnose", help="what does learning rate η do on a problem, and why",
        description="Run gradient descent with learning rate η and explain the outcome with the "
                    "curvature: converges, oscillates or diverges, and the critical rate "
                    "2/λ_max of the Hessian.",
        epilog=_exit_statuses({0: "success, whatever the run did (the diagnosis says it)"}))
    diag.add_argument("--problem", choices=list(problems), default="lecture-line",
                      metavar="NAME", help="the function; names as in 'steepest descend "
                                           "--help'")
    diag.add_argument("--lr", type=_positive_float, required=True, help="learning rate η")
    diag.add_argument("--optimizer", choices=list(OPTIMIZERS), default="gd",
                      help="update rule")
    diag.add_argument("--steps", type=_positive_int, default=1000,
                      help="maximum number of steps")
    diag.add_argument("--start", type=float, nargs="+", metavar="X",
                      help="starting point, one number per parameter (default as for descend)")
    diag.add_argument("--rtol", type=_nonnegative_float, default=RTOL,
                      help="converged once ‖∇L‖ ≤ RTOL × its start; 0 turns the test off")


def _add_trainability(sub: Any) -> None:
    """``steepest trainability``: which per-layer learning rates train (Sohl-Dickstein 2024)."""
    tm = sub.add_parser(
        "trainability", help="map which pairs of per-layer learning rates train a small net",
        description="Train a RESOLUTION × RESOLUTION grid of copies of a 2-hidden-layer tanh "
                    "network (MSE, full-batch GD, all copies at once) on a data file or, by "
                    "default, 48 points of the moons data, with the first layer's rate along x "
                    "and the later layers' along y (or η × the initial weight scale), and "
                    "colour each by whether and how fast it trained; write trainability.png "
                    "and trainability.npz. With --checkpoint an interrupted map resumes.",
        epilog=_exit_statuses())
    tm.add_argument("data", type=Path, nargs="?",
                    help="data: .npz with arrays X and y, or .csv with the target last "
                         "(default: 48 points of the moons data)")
    tm.add_argument("--axes", choices=("lr1-lr2", "lr-init-scale"), default="lr1-lr2",
                    help="the two swept hyperparameters")
    tm.add_argument("--xlim", type=_positive_float, nargs=2, default=(1e-2, 1e2),
                    metavar=("LO", "HI"), help="x range, log-spaced (default: 0.01 100)")
    tm.add_argument("--ylim", type=_positive_float, nargs=2, default=(1e-2, 1e2),
                    metavar=("LO", "HI"), help="y range, log-spaced (default: 0.01 100)")
    tm.add_argument("--resolution", type=_positive_int, default=128,
                    help="grid points per axis")
    tm.add_argument("--steps", type=_positive_int, default=300,
                    help="GD steps per network")
    tm.add_argument("--hidden", type=_positive_int, nargs=2, default=(4, 4),
                    metavar=("H1", "H2"), help="hidden layer widths (default: 4 4)")
    tm.add_argument("--seed", type=int, default=0, help="seed of the shared initialization")
    tm.add_argument("--jobs", type=_positive_int, default=2,
                    help="threads stepping chunks of the grid")
    tm.add_argument("--checkpoint", type=Path, metavar="FILE",
                    help="save finished chunks here and resume from them (.npz)")
    tm.add_argument("--out", metavar="DIR", type=Path, default=Path("steepest-trainability"),
                    help="output folder")


def _add_explore(sub: Any) -> None:
    """``steepest explore``: the live explorer."""
    exp = sub.add_parser(
        "explore", help="the live explorer in the browser (descent lab, playground, landscape)",
        description="Serve steepest's live explorer on this machine and open it in the browser: "
                    "the descent lab, the network playground and the landscape of a saved "
                    "model. Everything is computed by steepest; nothing is fetched from the "
                    "network. Needs the explore extra: pip install 'steepest[explore]'.",
        epilog=_exit_statuses({1: "the explore extra is not installed",
                               2: "refused: a bad argument"}))
    exp.add_argument("--port", type=_positive_int, default=8050,
                     help="port to serve on")
    exp.add_argument("--host", default="127.0.0.1",
                     help="address to bind (default: 127.0.0.1, this machine only)")
    exp.add_argument("--no-browser", action="store_true", help="do not open a browser")

# ---- commands -------------------------------------------------------------------------------
def _watched() -> bool:
    """Whether to show progress bars: only to a person at a terminal, never into a log or a
    pipe, where a bar's redrawn line is noise."""
    return sys.stderr.isatty()


def cmd_tour(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # figures go into the page, never to a window
    from .report.tour import run_tour

    path = run_tour(args.out, quick=args.quick, progress=not args.quiet,
                    figures=args.figures, interactive=not args.no_interactive)
    print(path.resolve())
    return 0


def _history_rows(result: Any, n: int = 12) -> list[list[Any]]:
    """Every step of a short run; the first, the last and geometrically spaced steps between
    for a long one."""
    h = result.history
    last = len(h.loss) - 1
    if last < n:
        steps = np.arange(last + 1)
    else:
        steps = np.unique(np.r_[0, np.geomspace(1, last, n - 1).round().astype(int), last])
    return [[int(k), float(h.loss[k]), float(h.grad_norm[k]), float(h.lr[k])] for k in steps]


def _steps(n: int) -> str:
    return f"{n} step{'' if n == 1 else 's'}"


def _status_line(result: Any) -> str:
    """How a run ended, each fact once: the library's message for a step budget or a divergence
    restates the status (and the diagnosis printed below gives a divergence's reason)."""
    if result.status == "max_steps":
        return f"stopped at max_steps={result.nit} (not converged)"
    if result.status == "diverged":
        return f"diverged at step {result.diverged_at}"
    if result.status == "interrupted":
        return f"interrupted after {_steps(result.nit)}"
    return f"{result.status} after {_steps(result.nit)} — {result.message}"


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
    x0 = _start(args.problem, problem, args.start, args.lr)
    optimizer = make_optimizer(args.optimizer, args.lr)
    writable_folder(args.out, "--out")  # before the run, not after it
    try:
        result = steepest.minimize(problem, x0, optimizer, max_steps=args.steps,
                                   rtol=args.rtol or None, on_divergence=args.on_divergence)
    except steepest.DivergenceError as exc:  # --on-divergence raise
        print(f"{args.problem}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.problem}: {args.optimizer} with lr={args.lr:g} from "
          f"({', '.join(f'{v:g}' for v in x0)})")
    _print_table(["step", "loss", "|grad|", "lr"], _history_rows(result))
    print(f"status: {_status_line(result)}")
    print(f"x = ({', '.join(f'{v:.6g}' for v in np.asarray(result.x).ravel())}), "
          f"loss = {float(result.fun):.6g}")
    if result.history.backoffs:
        print(f"learning rate halved {len(result.history.backoffs)}×, resuming from steps "
              f"{list(result.history.backoffs)}; the {result.discarded} discarded "
              f"steps are not counted")
    diagnosis = steepest.diagnose(result, problem)
    if result.status != "converged" or "global_min" in diagnosis.details:
        print(diagnosis.message)  # a converged run: only to say it found a local minimum
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
    run = f"{args.optimizer} η={args.lr:g}"
    d = plot.loss_curve({run: result}, title=f"{args.problem}: loss per step, {run}")
    d.figure.savefig(args.out / "loss.png", dpi=110, bbox_inches="tight")
    plt.close(d.figure)
    written.append(args.out / "loss.png")
    if problem.dim == 2:
        cd = plot.contour(problem, paths={run: result}, title=f"{args.problem}: {run}")
        cd.figure.savefig(args.out / "path.png", dpi=110, bbox_inches="tight")
        plt.close(cd.figure)
        written.append(args.out / "path.png")
        if not args.no_animation:
            anim = animate.descent_contour({run: result}, problem, frames=60, progress=False,
                                           title=f"{args.problem}: {run}")
            anim.save(args.out / "descent.gif", progress=False)
            written.append(args.out / "descent.gif")
    return written


def cmd_diagnose(args: argparse.Namespace) -> int:
    import steepest

    problem = make_problem(args.problem)
    x0 = _start(args.problem, problem, args.start, args.lr)
    result = steepest.minimize(problem, x0, make_optimizer(args.optimizer, args.lr),
                               max_steps=args.steps, rtol=args.rtol or None,
                               on_divergence="stop")
    diagnosis = steepest.diagnose(result, problem)
    print(f"{args.problem}: {args.optimizer} with lr={args.lr:g} from "
          f"({', '.join(f'{v:g}' for v in x0)}) → {result.status} after "
          f"{_steps(result.nit)}")
    print(diagnosis.message)
    return 0


def _load_data(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.exists():
        raise UsageError(f"data file {str(path)!r} does not exist")
    if path.suffix == ".npz":
        with NpzReader(path, "data file") as f:
            missing = {"X", "y"} - set(f.members)
            if missing:
                raise UsageError(f"data file {str(path)!r} must hold arrays 'X' and 'y' "
                                 f"(has {sorted(f.members)})")
            return np.asarray(f.read("X"), float), np.asarray(f.read("y"), float)
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
    writable_folder(args.out, "--out")
    info = nn.LOSS_INFO[args.loss]
    land = landscape.surface_2d(
        model, X, y, loss=info.name, seed=args.seed, resolution=args.resolution,
        normalization=None if args.normalization == "none" else args.normalization,
        range=(-args.span, args.span), accuracy=info.classifier, progress=_watched())
    args.out.mkdir(parents=True, exist_ok=True)
    land.save(args.out / "landscape.npz")
    disp = land.plot("filled")
    disp.figure.savefig(args.out / "landscape.png", dpi=110, bbox_inches="tight")
    plt.close(disp.figure)
    i0, j0 = int(np.argmin(np.abs(land.alphas))), int(np.argmin(np.abs(np.asarray(land.betas))))
    print(f"{args.model}: {sum(p.data.size for p in model.parameters())} parameters, "
          f"{len(y)} examples, {args.resolution} × {args.resolution} grid, "
          f"{args.normalization}-normalized directions (seed {args.seed})")
    print(f"loss at the model {land.loss[i0, j0]:.6g}; on the plane min {np.nanmin(land.loss):.6g}"
          f", max {np.nanmax(land.loss):.6g}")
    print(f"wrote {args.out / 'landscape.npz'}")
    print(f"wrote {args.out / 'landscape.png'}")
    return 0


def cmd_trainability(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .curvature import trainability_map
    from .datasets import moons

    X, y = _load_data(args.data) if args.data else moons(48, noise=0.1, seed=0)
    writable_folder(args.out, "--out")
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    m = trainability_map(X, y, axes=("lr1", "lr2") if args.axes == "lr1-lr2" else
                         ("lr", "init_scale"), xlim=tuple(args.xlim), ylim=tuple(args.ylim),
                         resolution=args.resolution, steps=args.steps,
                         hidden=tuple(args.hidden), seed=args.seed, n_jobs=args.jobs,
                         checkpoint=args.checkpoint, progress=_watched())
    args.out.mkdir(parents=True, exist_ok=True)
    m.save(args.out / "trainability.npz")
    disp = m.plot()
    disp.figure.savefig(args.out / "trainability.png", dpi=110, bbox_inches="tight")
    plt.close(disp.figure)
    print(f"{m.outcome.size} networks ({X.shape[1]} → {args.hidden[0]} → {args.hidden[1]} → 1, "
          f"{len(y)} points, {_steps(args.steps)}): {m.trainable.mean():.1%} train, "
          f"{1 - m.trainable.mean():.1%} diverge ({m.elapsed_s:.1f} s)")
    for name in ("trainability.npz", "trainability.png"):
        print(f"wrote {args.out / name}")
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    try:
        from .explore._dash import require_dash
        require_dash()
    except ImportError as exc:
        print(f"steepest explore: {exc}", file=sys.stderr)
        return 1
    from .explore import explore
    explore(args.port, host=args.host, open_browser=not args.no_browser, jupyter=False)
    return 0


COMMANDS = {"tour": cmd_tour, "descend": cmd_descend, "landscape": cmd_landscape,
            "diagnose": cmd_diagnose, "trainability": cmd_trainability,
            "explore": cmd_explore}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``steepest``; returns the exit code: 0 ok, 2 for anything refused (a bad
    argument, a bad file, an unwritable output folder, a request too large for memory: one line
    on stderr), 130 after Ctrl-C, 141 when the reader of stdout went away (``| head``), as a
    shell reports SIGPIPE. Only a bug in steepest shows a traceback."""
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # a reader gone shows here, not as a traceback at exit
    except BrokenPipeError:  # Python's advice: what is left goes to devnull, not to the pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _run(argv: Sequence[str] | None) -> int:
    """Parse ``argv`` and run its command; a refusal or Ctrl-C becomes its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    sub: argparse.ArgumentParser = parser._subparsers._group_actions[0].choices[  # type: ignore[union-attr,index]
        args.command]
    try:
        with interruptible():
            return COMMANDS[args.command](args)
    except BrokenPipeError:
        raise  # an OSError, but no refusal: main's to handle
    except UsageError as exc:
        sub.error(str(exc))
    except (ValueError, OSError, MemoryError) as exc:  # SteepestError is a ValueError
        sub.exit(2, f"{sub.prog}: error: {_one_line(exc)}\n")
    except KeyboardInterrupt:
        print(f"{sub.prog}: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    """The reason for a refusal in one line: the library's message, an OS error's reason and
    file, or how much memory could not be had."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename!r}" if exc.filename else ""
        text = f"{exc.strerror}{where}"
    elif isinstance(exc, MemoryError):
        text = f"out of memory ({exc})" if str(exc) else "out of memory"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
