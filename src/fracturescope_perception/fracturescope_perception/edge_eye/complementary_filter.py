"""Bi-direction fusion by the complementary filter (paper eq. 8)."""

import math


def fuse(x_v: float | None, x_h: float | None, x_prev: float) -> float | None:
    """x(t) = (|x_h - x(t-1)| x_v + |x_v - x(t-1)| x_h) / (|x_v - x(t-1)| + |x_h - x(t-1)|)   (eq. 8)

    The estimate closer to the previous fused position gets the larger weight. With one estimate missing the
    other is used; when both sit exactly on x(t-1) (0/0), their mean."""
    if x_v is None or (isinstance(x_v, float) and math.isnan(x_v)):
        return x_h
    if x_h is None or (isinstance(x_h, float) and math.isnan(x_h)):
        return x_v
    d_v, d_h = abs(x_v - x_prev), abs(x_h - x_prev)
    if d_v + d_h < 1e-12:
        return (x_v + x_h) / 2.0
    return (d_h * x_v + d_v * x_h) / (d_v + d_h)  # eq. 8


def predicted(x_prev: float, x_prev2: float) -> float:
    """Constant-velocity prediction of x(t) from the last two fused positions (NaN history: x_prev)."""
    if math.isnan(x_prev2):
        return x_prev
    return 2.0 * x_prev - x_prev2


def fuse_gated(x_v: float | None, x_h: float | None, x_ref: float, gate: float,
               single_gate: float = math.inf) -> float | None:
    """Eq. 8 around the motion prediction x_ref instead of x(t-1) (a moving edge is otherwise pulled back towards
    where it was), after dropping the estimate further from x_ref when the two disagree by more than `gate`
    (one of them is then an outlier, and eq. 8 would still give it up to half the weight). A lone estimate, with
    nothing to check it against, is only believed within `single_gate` of x_ref: otherwise the tracker would walk
    away after a wrong line."""
    if x_v is not None and x_h is not None and abs(x_v - x_h) > gate:
        if abs(x_v - x_ref) <= abs(x_h - x_ref):
            x_h = None
        else:
            x_v = None
    lone = x_v if x_h is None else x_h if x_v is None else None
    if lone is not None and abs(lone - x_ref) > single_gate:
        return None
    return fuse(x_v, x_h, x_ref)
