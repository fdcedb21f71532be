"""The capacity figures as a picture for docs/performance.md (matplotlib, SVG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.capacity import Limited, Paced  # noqa: E402

PLOT = Path(__file__).with_name("capacity.svg")


def plot(limited: list[Limited], paced: list[Paced], path: Path = PLOT) -> Path:
    """Three panels: what users saw against a limited Groq, fairness, and Telegram."""
    figure, (notices, fairness, telegram) = plt.subplots(1, 3, figsize=(13, 4))
    names = [r.name for r in limited]
    colours = ["#2a7", "#c84", "#a44"][: len(names)]
    x = range(len(names))
    shares = [100 * (r.notices + r.late) / r.messages for r in limited]
    refused = [100 * r.refused / max(r.requests, 1) for r in limited]
    width = 0.4
    notices.bar([i - width / 2 for i in x], shares, width, label="messages not answered (%)")
    notices.bar([i + width / 2 for i in x], refused, width, label="429s of requests (%)")
    notices.set_xticks(list(x), names)
    notices.set_title(f"Limited Groq: {limited[0].messages} messages")
    notices.legend(fontsize=8)
    fairness.bar(names, [r.fairness for r in limited], color=colours)
    fairness.axhline(2, color="grey", linestyle="--", linewidth=1, label="target 2")
    fairness.set_title("Fairness: slowest user's mean wait / fastest's")
    fairness.legend(fontsize=8)
    labels = [r.name for r in paced] + ["limit's minimum"]
    seconds = [r.seconds for r in paced] + [paced[0].minimum]
    bars = telegram.bar(labels, seconds, color=["#2a7", "#c84", "#999"][: len(labels)])
    for bar, result in zip(bars, paced, strict=False):
        telegram.annotate(
            f"{result.refused} × 429\n{result.delivered}/{result.messages} delivered",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    telegram.set_ylabel("seconds to deliver every answer")
    telegram.set_title(f"Limited Telegram: {paced[0].messages} answers")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
