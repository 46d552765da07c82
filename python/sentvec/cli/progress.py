"""A one-line progress display for long command-line work (embed, test, predict, training).

The line is redrawn in place with a carriage return at most ten times a second, and shows a bar,
the percentage, the amount done, the rate and the time left. It is written to standard error only
when enabled: the command line turns it on when standard error is a terminal, or when asked.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """fastText's ETA style: ``0h 1m 2s``."""
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return "?"
    s = int(seconds + 0.5)
    return f"{s // 3600}h {s % 3600 // 60}m {s % 60}s"


def format_count(n: float) -> str:
    """1234 -> '1234', 12345 -> '12.3k', 1.2e6 -> '1.20M'."""
    if n < 10_000:
        return f"{n:.0f}"
    if n < 1_000_000:
        return f"{n / 1e3:.1f}k"
    return f"{n / 1e6:.2f}M"


class Progress:
    """Draw ``label [####------]  42.0%  12.3k lines  8.1k lines/s  ETA 0h 0m 3s`` on stderr.

    Parameters
    ----------
    label : str
        What is being done ("embed", "test", "train").
    unit : str
        What ``done`` counts ("lines", "words").
    enabled : bool
        When False every method does nothing.
    stream : file, optional
        Where to draw (standard error by default).
    """

    width = 24  # characters of the bar

    def __init__(
        self, label: str, unit: str = "lines", enabled: bool = True, stream: TextIO | None = None
    ):
        self.label = label
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self._last_draw = 0.0
        self._last_len = 0
        self._drawn = False

    def update(
        self, done: float, fraction: float | None = None, extra: str = "", force: bool = False
    ) -> None:
        """Report ``done`` units so far and, when known, the fraction of the whole work done."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        parts = [self.label]
        if fraction is not None:
            f = min(max(fraction, 0.0), 1.0)
            filled = int(f * self.width + 1e-9)
            parts.append("[" + "#" * filled + "-" * (self.width - filled) + "]")
            parts.append(f"{100 * f:5.1f}%")
        parts.append(f"{format_count(done)} {self.unit}")
        parts.append(f"{format_count(rate)} {self.unit}/s")
        if extra:
            parts.append(extra)
        if fraction is not None:
            if fraction >= 1.0:
                parts.append(f"took {format_duration(elapsed)}")
            elif fraction > 0:
                parts.append(f"ETA {format_duration(elapsed * (1 - fraction) / fraction)}")
            else:
                parts.append("ETA ?")
        else:
            parts.append(f"elapsed {format_duration(elapsed)}")
        line = "  ".join(parts)
        pad = " " * max(0, self._last_len - len(line))
        self._last_len = len(line)
        try:
            self.stream.write("\r" + line + pad)
            self.stream.flush()
        except (OSError, ValueError, AttributeError):  # stderr closed: drawing is best effort
            self.enabled = False
        self._drawn = True

    def close(self, done: float | None = None, fraction: float | None = None, extra: str = "") -> None:
        """Draw the final state and end the line."""
        if not self.enabled:
            return
        if done is not None:
            self.update(done, fraction, extra, force=True)
        if self._drawn:
            try:
                self.stream.write("\n")
                self.stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        self.enabled = False
