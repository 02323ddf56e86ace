"""mROI extraction (paper IV.C.3, Fig. 8): a small window around each edge, from the previous positions.

Rows: the selected bar plus a margin above and below (so its horizontal boundaries are inside). Columns:
x(t-1) +- x_sigma, extended by tau_x on the bar side. The window is only re-centred when the edge has moved
more than `recentre_px` from its centre, so that edge points of consecutive frames share coordinates (the
static / moving separation intersects them).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Roi:
    rows: tuple[int, int]            # [top, bottom) in the ideal view, px
    cols: tuple[int, int]            # [left, right)

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows[1] - self.rows[0], self.cols[1] - self.cols[0]


@dataclass(frozen=True)
class MroiConfig:
    row_margin_px: int               # rows above and below the bar
    x_sigma_px: int                  # search half-width around the previous edge
    tau_x_px: int                    # extra columns on the bar side
    recentre_px: int                 # re-centre once the edge is this far from the window centre


def edge_roi(x_prev: float, side: str, bar_rows: tuple[int, int], config: MroiConfig,
             frame_width: int) -> Roi:
    """The mROI for the `side` ('left' or 'right') edge last seen at x_prev (ideal px)."""
    centre = int(round(x_prev))
    lo, hi = centre - config.x_sigma_px, centre + config.x_sigma_px + 1
    if side == 'left':
        lo -= config.tau_x_px  # the bar is visible to the left of the left edge
    else:
        hi += config.tau_x_px
    width = hi - lo
    lo = min(max(lo, 0), frame_width - width)
    return Roi((bar_rows[0] - config.row_margin_px, bar_rows[1] + config.row_margin_px), (lo, lo + width))


class MroiTracker:
    """Keeps one side's mROI, moving it only when the edge drifts away from its centre."""

    def __init__(self, side: str, config: MroiConfig, frame_width: int) -> None:
        if side not in ('left', 'right'):
            raise ValueError(f'side must be left or right, not {side!r}')
        self.side = side
        self.config = config
        self.frame_width = frame_width
        self.roi: Roi | None = None
        self._centre = 0.0

    def update(self, x_prev: float, bar_rows: tuple[int, int]) -> Roi:
        if self.roi is None or abs(x_prev - self._centre) > self.config.recentre_px or \
                self.roi.rows != (bar_rows[0] - self.config.row_margin_px, bar_rows[1] + self.config.row_margin_px):
            self.roi = edge_roi(x_prev, self.side, bar_rows, self.config, self.frame_width)
            self._centre = x_prev
        return self.roi

    def reset(self) -> None:
        self.roi = None
