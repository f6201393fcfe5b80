"""The transfer explorer of the chapter *Transfer learning*: the sweep's curves, by choice.

The chapter trains every strategy (from scratch, frozen features,
fine-tuning) at four learning rates, with 5, 20 or all labelled images per
class, three seeds each, and keeps each run's validation accuracy every 10
steps: 108 curves.  The explorer shows them.  Pick the amount of labelled
data and a learning rate (or each strategy's own chosen rate), and it draws
the three strategies' validation curves at that rate -- the mean of the
seeds and a band from the worst to the best seed -- beside each strategy's
plateau score at every rate, the way the chapter chose its rates.

Nothing is trained when a control moves: the widget only draws measured
numbers, so it redraws at once, also in the live page where the sweep
itself is not rerun.  Those numbers are passed in, as :func:`cnnlib.experiments.lr_sweep`
returns them; by default they are the chapter's own run, stored here as
counts of correctly classified validation images (out of 144), which are
exact on every CPU.  The chapter checks, when it is built, that the stored
counts are the ones its sweep just measured.
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np

from ..experiments import best_setting, summarise
from ..viz.style import COLUMN_INCHES
from ..viz.transfer import STRATEGY_STYLES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["LEARNING_RATES", "PANELS", "STEPS", "STRATEGIES", "TransferExplorer",
           "chapter_sweep", "transfer_explorer"]

#: The amounts of labelled data, as the chapter names them.
PANELS = ("5 labels per class", "20 labels per class", "all labels")
#: The three ways to start the target task.
STRATEGIES = ("from scratch", "frozen features", "fine-tuning")
#: The learning rates of the chapter's sweep (for fine-tuning, the head's rate).
LEARNING_RATES = (0.01, 0.03, 0.1, 0.3)
#: The steps at which validation accuracy was measured.
STEPS = tuple(range(0, 101, 10))
#: A run's score is its mean over this many last measurements (steps 80 to 100).
LAST = 3
_VALIDATION_IMAGES = 144
_SEEDS = 3
_CHOSEN = "each one's chosen rate"

# Right answers out of 144 validation images, as hex bytes: for each amount
# of data, strategy and learning rate, seeds 0, 1, 2, each at steps 0, 10, ..., 100.
_MEASURED = (
    # 5 labels per class, from scratch: lr 0.01, 0.03, 0.1, 0.3
    "1d1d4e676b7c767c8383831c1c2b5165666d6e7c888511212f5b676d7680858786",
    "1d4a5c78835d86898a8a891c2d646c87848486868686112b627f86858686858585",
    "1d4b3c716c7581838586861c62871d407e7a78797979115d351d2e3547537a7671",
    "1d341c281d1d1d1d1d1d1d1c871d1d1d1d1d1d1d1d1d11431d1d1d1d1d1d1d1d1d",
    # 5 labels per class, frozen features: lr 0.01, 0.03, 0.1, 0.3
    "17546e74777877777777771a496e76797a7d7e7e7e7e15586c7071707375757576",
    "176a7576787778787878781a6d7c7d7d7f7f7e7f8282156a6e7073747475757575",
    "1774787a7a797a7a7979791a797e7e80818282838383156e727273737472727374",
    "177179777a7979797879791a5d788175787b7d7d7d7d15626c6c6d6b6c6d6d6d6d",
    # 5 labels per class, fine-tuning: lr 0.01, 0.03, 0.1, 0.3
    "175671797b7a7d7e7e7e7f1a496f777e818382828282155a6d7172757475757575",
    "1771797d7c7d7e7e7e7e7e1a6c7f8383848484848484156a707375747575757676",
    "177680807d7d7c7d7d7e7e1a788486868686868686861570717173747475747474",
    "17758283818384858586861a747d7f80818080808080157a7d7a78787777777777",
    # 20 labels per class, from scratch: lr 0.01, 0.03, 0.1, 0.3
    "1d20251c6c58555c4b6d871c1c321d1d1d4051685a7b111c1d1d327454826f776e",
    "1d361c3c5382838a898b8c1c311d43566f758b888c8911351d6d6e6e8587868689",
    "1d4f6e88767c8a8b74851d1c1d398577878a8a89878a11393a6f876e80887c838b",
    "1d30541d1d1d1c1d1d1d1c1c4a1c1d1d1d1d1c1d1d1c112928531d1d1d1d1d1d1c",
    # 20 labels per class, frozen features: lr 0.01, 0.03, 0.1, 0.3
    "1756767e817f80848585861a4c69777d82828384838415405c737980787e7e807d",
    "172d806e7a8489888989891a6b7d857b7d8a818a81871570757d7c818182838285",
    "175e6a796b7384888885871a7581877d81868286868315667d7685818185868785",
    "172c656c6588898a8785871a576e81857a848287868515466c78727b8380828484",
    # 20 labels per class, fine-tuning: lr 0.01, 0.03, 0.1, 0.3
    "175a7580838386888889871a4d6d7a7f86848688878915415d7577817b83828383",
    "172f81818886888b8c8c8d1a6a7e897f8a8a8c8c8c8c1573748283848585858589",
    "17617884858b897f888a8b1a75878c868c8e8e8d8c8c15737d82848b8a8b8b8b8b",
    "1754728b6f803c1d1d1d1c1a5b716a80878974562f61155d6b7e888a816d1d1d1c",
    # all labels, from scratch: lr 0.01, 0.03, 0.1, 0.3
    "1d2c413f6e6b666b667d821c1c295b674e5e6e6a8662111d5b378675525984857e",
    "1d223f7d60848b878b8c8b1c2055657a667f84888c8a112f48535d648a8283858c",
    "1d6e4d6d84818f848a8a851c4c6e8071898a8b80868a112252808b8a8f88857688",
    "1d46551d462f1d1c1d1d1c1c4e1d1d1d1c1d1c1d1d1c11291d1d1d1d1d1d1d1d1d",
    # all labels, frozen features: lr 0.01, 0.03, 0.1, 0.3
    "17437e828284878586878a1a3e7b8181808081848487154e7b7d81828387888788",
    "176c7d8588888b8c898d8c1a7c828487838a888d8b8c157a7f86848989888c898d",
    "177884868b89898d898c8d1a7784848c8b8d887f8a8e1578848b8c878b8c8b8d8e",
    "17547b82898b828b8c8a8e1a6f7a8281878b867d888a154282897f7a7a85868786",
    # all labels, fine-tuning: lr 0.01, 0.03, 0.1, 0.3
    "17447f8384868889868b8c1a3e7980838186848c898b15507d80848489888b898b",
    "176c80858b8c8e8d8e8f8f1a7983878a8a8b8b8a8e8f157b82888b8c8b8c8d8d8e",
    "1771858d8e8d8e8d8f8e8e1a64868d8d8c8f8f8f8e8f1581848d8e8e8c8d8f8c8e",
    "177087898e8d8686868e8a1a587588898c8f8c8d8b8d15666b89888d878d8c8c8d",
)


def chapter_sweep() -> dict[tuple[str, str], dict[float, dict[str, np.ndarray]]]:
    """The chapter's learning-rate sweep: validation accuracy of every run.

    Returns
    -------
    dict
        ``sweep[panel, strategy][lr]["val_accuracy"]`` has shape (3, 11):
        one row per seed, one column per step of :data:`STEPS` -- the layout
        of :func:`cnnlib.experiments.lr_sweep`, for ``panel`` in
        :data:`PANELS`, ``strategy`` in :data:`STRATEGIES` and ``lr`` in
        :data:`LEARNING_RATES`.

    Examples
    --------
    >>> sweep = chapter_sweep()
    >>> sweep["all labels", "fine-tuning"][0.1]["val_accuracy"].shape
    (3, 11)
    """
    sweep: dict[tuple[str, str], dict[float, dict[str, np.ndarray]]] = {}
    rows = iter(_MEASURED)
    for panel in PANELS:
        for strategy in STRATEGIES:
            runs = {}
            for lr in LEARNING_RATES:
                counts = np.frombuffer(bytes.fromhex(next(rows)), dtype=np.uint8)
                runs[lr] = {"val_accuracy": counts.reshape(_SEEDS, len(STEPS))
                            / _VALIDATION_IMAGES}
            sweep[panel, strategy] = runs
    return sweep


class TransferExplorer(BookWidget):
    """Amount of labelled data and learning rate; the measured curves of every strategy.

    Parameters
    ----------
    sweep : mapping, optional
        ``sweep[panel, strategy][lr]["val_accuracy"]``, shape (S, T), as
        :func:`chapter_sweep` returns it (the default).
    panel : str
        One of :data:`PANELS`.
    lr : float or str
        One of :data:`LEARNING_RATES`, or ``"each one's chosen rate"``.
    steps : sequence of int, optional
        The x axis, length T (default :data:`STEPS`).

    Attributes
    ----------
    chosen : dict
        Each (panel, strategy)'s chosen rate: best mean over seeds of the
        last three measurements (:func:`cnnlib.experiments.best_setting`).
    shown : dict of str to ndarray
        The curves drawn last, (S, T) per strategy.
    settings : (str, float or str)
    widget : ipywidgets.VBox
    """

    def __init__(self, sweep: Mapping | None = None, panel: str = PANELS[0],
                 lr: float | str = _CHOSEN, steps: tuple[int, ...] | None = None) -> None:
        fn = "transfer_explorer"
        self.sweep = chapter_sweep() if sweep is None else sweep
        self.panels = list(dict.fromkeys(p for p, _ in self.sweep))
        self.strategies = list(dict.fromkeys(s for _, s in self.sweep))
        if not self.panels:
            raise ValueError(f"{fn}: sweep must hold at least one (panel, strategy), got none")
        self.lrs = list(next(iter(self.sweep.values())))
        first = next(iter(next(iter(self.sweep.values())).values()))["val_accuracy"]
        self.steps = np.asarray(STEPS if steps is None else steps)
        if np.shape(first)[-1] != len(self.steps):
            raise ValueError(f"{fn}: steps must have one entry per measurement "
                             f"({np.shape(first)[-1]}), got {len(self.steps)}")
        if panel not in self.panels:
            raise ValueError(f"{fn}: panel must be one of {self.panels}, got {panel!r}")
        if lr != _CHOSEN and lr not in self.lrs:
            raise ValueError(f"{fn}: lr must be one of {self.lrs} or {_CHOSEN!r}, got {lr!r}")
        self.chosen = {key: best_setting(runs, last=LAST) for key, runs in self.sweep.items()}
        self.scores = {key: summarise(runs, last=LAST) for key, runs in self.sweep.items()}
        self.shown: dict[str, np.ndarray] = {}
        self.settings = (panel, lr)
        button = {"button_width": "auto"}
        self.panel = widgets.ToggleButtons(options=self.panels, value=panel,
                                           description="labelled data", style=button,
                                           layout=widgets.Layout(max_width="100%"))
        self.lr = widgets.ToggleButtons(options=[(_CHOSEN, _CHOSEN)]
                                        + [(f"{v:g}", v) for v in self.lrs],
                                        value=lr, description="learning rate", style=button,
                                        layout=widgets.Layout(max_width="100%"))
        self.readout = widgets.HTML()
        self.message = MessageLine()
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 3.0), dpi=100)
        self.ax_curves, self.ax_rates = self.figure.fig.subplots(
            1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
        self._guarded = guarded(self.update, self.message)
        for control in (self.panel, self.lr):
            control.observe(lambda change: self._guarded(), names="value")
        controls = widgets.VBox([self.panel, self.lr],
                                layout=widgets.Layout(flex_flow="row wrap", max_width="100%"))
        self.widget = widgets.VBox([controls, self.figure.image, self.readout,
                                    self.message.html],
                                   layout=widgets.Layout(max_width="100%"))
        self._guarded()

    def rate(self, panel: str, strategy: str, lr: float | str) -> float:
        """The learning rate drawn for ``strategy``: ``lr``, or its chosen rate."""
        return self.chosen[panel, strategy] if lr == _CHOSEN else lr

    def update(self, panel: str | None = None, lr: float | str | None = None) -> None:
        """Draw these settings (default: the controls'); the plain callback."""
        panel = self.panel.value if panel is None else panel
        lr = self.lr.value if lr is None else lr
        if panel not in self.panels:
            raise ValueError(f"transfer_explorer: panel must be one of {self.panels}, "
                             f"got {panel!r}")
        if lr != _CHOSEN and lr not in self.lrs:
            raise ValueError(f"transfer_explorer: lr must be one of {self.lrs} or "
                             f"{_CHOSEN!r}, got {lr!r}")
        ax, bx = self.ax_curves, self.ax_rates
        ax.clear()
        bx.clear()
        self.shown = {}
        lines = []
        for i, strategy in enumerate(self.strategies):
            rate = self.rate(panel, strategy, lr)
            runs = np.asarray(self.sweep[panel, strategy][rate]["val_accuracy"], dtype=float)
            self.shown[strategy] = runs
            style = STRATEGY_STYLES.get(strategy, {})
            ax.plot(self.steps, runs.mean(axis=0), markersize=3.5, label=strategy, **style)
            ax.fill_between(self.steps, runs.min(axis=0), runs.max(axis=0),
                            color=style.get("color"), alpha=0.2, linewidth=0)
            score = self.scores[panel, strategy]
            means = [score[v].mean for v in self.lrs]
            shift = np.asarray(self.lrs) * 1.1 ** (i - (len(self.strategies) - 1) / 2)
            low = [max(m - score[v].min, 0.0) for m, v in zip(means, self.lrs, strict=True)]
            high = [max(score[v].max - m, 0.0) for m, v in zip(means, self.lrs, strict=True)]
            bx.errorbar(shift, means, yerr=[low, high], capsize=2, markersize=4, **style)
            k = self.lrs.index(rate)
            bx.plot(shift[k], means[k], marker="o", markersize=11, fillstyle="none",
                    color=style.get("color"), linestyle="none")
            tail = runs[:, -LAST:].mean(axis=1)
            mark = " (chosen)" if rate == self.chosen[panel, strategy] else ""
            lines.append(f"<b>{strategy}</b> at {rate:g}{mark}: {tail.mean():.3f} "
                         f"(seeds {tail.min():.3f}–{tail.max():.3f})")
        for axis in (ax, bx):
            axis.axhline(0.2, color="0.4", linestyle=":", linewidth=1)
            axis.set_ylim(0, 1.02)
            axis.grid(alpha=0.3)
        where = "each one's chosen rate" if lr == _CHOSEN else f"learning rate {lr:g}"
        ax.set(title=f"{panel}, {where}", xlabel="training step",
               ylabel="validation accuracy")
        ax.legend(loc="lower right")
        bx.set_xscale("log")
        bx.set_xticks(self.lrs, [f"{v:g}" for v in self.lrs])
        bx.minorticks_off()
        bx.set(title="score, steps 80–100", xlabel="learning rate")
        self.figure.refresh()
        self.settings = (panel, lr)
        self.readout.value = ("Validation accuracy, mean of the last three measurements; "
                              "mean of 3 seeds (worst–best):<br>" + "<br>".join(lines))

    def __repr__(self) -> str:
        panel, lr = self.settings
        where = "chosen rates" if lr == _CHOSEN else f"lr {lr:g}"
        return f"<TransferExplorer: {panel}, {where}>"


def transfer_explorer(sweep: Mapping | None = None, panel: str = PANELS[0],
                      lr: float | str = _CHOSEN) -> TransferExplorer:
    """The transfer explorer: pick the labelled data and a learning rate, see every strategy.

    Introduced in the chapter *Transfer learning*.

    Parameters
    ----------
    sweep : mapping, optional
        ``sweep[panel, strategy][lr]["val_accuracy"]`` of shape (S, 11), as
        :func:`cnnlib.experiments.lr_sweep` returns it; default
        :func:`chapter_sweep`, the chapter's run.
    panel : str
        One of :data:`PANELS`.
    lr : float or str
        One of :data:`LEARNING_RATES`, or ``"each one's chosen rate"``.

    Returns
    -------
    TransferExplorer
        Displays as the widget in a notebook.
    """
    return TransferExplorer(sweep, panel, lr)
