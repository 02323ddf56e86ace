"""Installing Edge-Eye on a new line camera: the geometry of config/edge_eye.yaml from frames of the empty line.

The paper (IV) takes the reference bars' rows and the scale as given. Here they are measured, in the ideal view of
the existing lens calibration (paper IV.B), from the mean of a few frames of the empty line:
1. the bars: the brightest and the darkest long horizontal bands, found in vertical strips, then each boundary
   placed column by column at its 50 % point and fitted with a line (the bar's rows and its angle in the image);
2. the camera roll: the furnace is built plumb and level, so its long straight edges (struts, mortar courses) are
   vertical or horizontal on the sheet plane; the roll is the angle at which their gradients, projected along it,
   are sharpest (the bars are left out: their angle is what is being measured). A bar's tilt on the sheet plane is
   its angle in the image minus the roll;
3. in the sheet-plane view (sheet_plane.py: roll turned back, tilts sheared out) the bars' rows again, level now,
   and their ends, each at its 50 % point along the bar;
4. the scale from a known length: the bars' physical length (their ends' distance on the sheet plane), or a
   chessboard of known square size held on the sheet plane. An end is placed only where the bar steps clearly to
   what lies beyond it (at least `min_end_contrast` grey levels); a bar end that shows less against the furnace
   (measured: a black bar's end 7 levels from a dark mortar course, whose own step further out was taken for the
   end, 20 px off: the mm origin 2 mm off without a word) is left out and said so in `Installation.warnings`, the
   other bar's end used instead; when both bars' ends are placed but disagree (both bars start at `bar_left_mm`),
   the clearer one is used, also with a warning. With no usable end the installation is refused with the reason;
5. the availability area (eq. 1) across both bars in the centre of the captured frame.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import math
from pathlib import Path
import re

import cv2
import numpy as np

from fracturescope_perception.edge_eye.calibration import find_corners
from fracturescope_perception.edge_eye.distortion_correction import Calibration, DistortionCorrection
from fracturescope_perception.edge_eye.entropy import grey
from fracturescope_perception.edge_eye.sheet_plane import BarLine, SheetPlaneGeometry, unroll

BAR_NAMES = ('white', 'black')
_STRIP_PX = 64        # strips wider than twice a furnace strut: their median row profile does not see it
_MIN_THICKNESS_PX = 12
_MAX_THICKNESS_PX = 240


class InstallationError(RuntimeError):
    """The frames do not show what the installation needs (says what is missing)."""


@dataclass(frozen=True)
class FoundBar:
    name: str
    rows: tuple[float, float]        # top, bottom boundary (50 % points) at the pivot column, sheet-plane view px
    tilt_deg: float                  # on the sheet plane
    image_angle_deg: float           # in the ideal view: tilt + roll
    ends: tuple[float, float]        # left, right end (50 % points along the bar), sheet-plane view columns
    fit_rms_px: float                # residual of the boundary lines fitted in the ideal view
    level_px: float                  # how far its boundaries still run off level across the sheet-plane view
    contrast: float                  # grey levels between the bar and what is beyond its ends
    end_contrast: tuple[float, float] = (math.nan, math.nan)  # grey levels of the step at each end (nan: no end)


@dataclass(frozen=True)
class RollEstimate:
    roll_deg: float                  # the one used
    vertical_deg: float              # from vertical structures alone (nan: none)
    horizontal_deg: float            # from horizontal structures alone (nan: none)
    source: str                      # 'furnace' or 'given'


@dataclass(frozen=True)
class Installation:
    width: int
    height: int
    roll: RollEstimate
    bars: dict[str, FoundBar]
    mm_per_px: float
    scale_source: str                # how the scale was found
    scale_spread: float              # relative difference of the scale estimates (0 with one estimate)
    x_origin_mm: float
    bar_columns: tuple[int, int]
    availability_rows: tuple[int, int]
    availability_cols: tuple[int, int]
    warnings: tuple[str, ...] = ()   # what the installation could not measure as it should (printed, in the header)

    def parameters(self) -> dict[str, object]:
        """The installation's values of config/edge_eye.yaml."""
        return {
            'width': self.width, 'height': self.height, 'mm_per_px': round(self.mm_per_px, 6),
            'white_bar_rows': [int(round(v)) for v in self.bars['white'].rows],
            'black_bar_rows': [int(round(v)) for v in self.bars['black'].rows],
            'bar_columns': list(self.bar_columns),
            'camera_roll_deg': round(self.roll.roll_deg, 4),
            'white_bar_tilt_deg': round(self.bars['white'].tilt_deg, 4),
            'black_bar_tilt_deg': round(self.bars['black'].tilt_deg, 4),
            'x_origin_mm': round(self.x_origin_mm, 3),
            'availability_rows': list(self.availability_rows), 'availability_cols': list(self.availability_cols),
        }

    def geometry(self) -> SheetPlaneGeometry:
        p = self.parameters()
        return SheetPlaneGeometry(p['camera_roll_deg'],
                                  tuple(BarLine(tuple(p[f'{n}_bar_rows']), p[f'{n}_bar_tilt_deg']) for n in BAR_NAMES),
                                  self.width / 2.0)


# --- 1. the bars in the ideal view --------------------------------------------------------------------------------
def mean_grey(frames: Sequence[np.ndarray]) -> np.ndarray:
    """Mean grey level (eq. 3) of frames of one size, float32: noise and flicker averaged out."""
    if not frames:
        raise InstallationError('no frames')
    shape = frames[0].shape[:2]
    total = np.zeros(shape, np.float64)
    for frame in frames:
        if frame.shape[:2] != shape or frame.dtype != np.uint8:
            raise InstallationError(f'frames differ: {frame.shape} {frame.dtype} vs {shape} uint8')
        total += grey(frame)
    return (total / len(frames)).astype(np.float32)


def _longest_run(mask: np.ndarray) -> tuple[int, int] | None:
    """[start, end) of the longest run of True not touching either end of `mask`."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    change = np.nonzero(np.diff(padded))[0]
    runs = [(int(a), int(b)) for a, b in zip(change[::2], change[1::2], strict=True)
            if a > 0 and b < mask.size and _MIN_THICKNESS_PX <= b - a <= _MAX_THICKNESS_PX]
    return max(runs, key=lambda r: r[1] - r[0]) if runs else None


def _theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Robust line y = a + b x: the median of the pairwise slopes, then the median intercept."""
    i, j = np.triu_indices(x.size, 1)
    slopes = (y[j] - y[i]) / (x[j] - x[i])
    b = float(np.median(slopes))
    return float(np.median(y - b * x)), b


@dataclass(frozen=True)
class _CoarseBar:
    top: tuple[float, float]         # a, b of top(x) = a + b x, ideal view
    bottom: tuple[float, float]
    columns: tuple[float, float]     # first and last strip centre on the bar


def coarse_bars(ideal: np.ndarray) -> dict[str, _CoarseBar]:
    """The white bar (the brightest long band) and the black one (the darkest) from strip-wise row profiles."""
    h, w = ideal.shape
    starts = np.arange(0, w - _STRIP_PX + 1, _STRIP_PX // 2)
    found: dict[str, _CoarseBar] = {}
    for name in BAR_NAMES:
        xs, tops, bottoms = [], [], []
        for s in starts:
            profile = np.median(ideal[:, s:s + _STRIP_PX], axis=1)
            background = float(np.median(profile))
            if name == 'white':
                extreme, min_contrast = float(profile.max()), 40.0
                candidate = profile > (background + extreme) / 2.0
            else:
                extreme, min_contrast = float(profile.min()), 12.0
                candidate = profile < (background + extreme) / 2.0
            if abs(extreme - background) < min_contrast:
                continue
            run = _longest_run(candidate)
            if run is not None:
                xs.append(s + _STRIP_PX / 2.0)
                tops.append(run[0] - 0.5)
                bottoms.append(run[1] - 0.5)
        found[name] = _fit_coarse(name, np.array(xs), np.array(tops), np.array(bottoms), w)
    return found


def _fit_coarse(name: str, xs: np.ndarray, tops: np.ndarray, bottoms: np.ndarray, width: int) -> _CoarseBar:
    strips = width / (_STRIP_PX / 2)
    if xs.size < max(4, 0.3 * strips):
        raise InstallationError(f'no {name} reference bar: a long {name} band was found in {xs.size} of '
                                f'{int(strips)} strips of the view')
    centre = (tops + bottoms) / 2.0
    a, b = _theil_sen(xs, centre)
    thickness = float(np.median(bottoms - tops))
    inliers = (np.abs(centre - (a + b * xs)) < 4.0) & (np.abs(bottoms - tops - thickness) < 4.0)
    if inliers.sum() < max(4, 0.3 * strips):
        raise InstallationError(f'the {name} reference bar is not one straight band ({int(inliers.sum())} '
                                f'consistent strips)')
    x_in = xs[inliers]
    gaps = np.diff(x_in) / (_STRIP_PX / 2)
    if gaps.size and gaps.max() > 3.5:
        raise InstallationError(f'the {name} reference bar is interrupted near column {x_in[np.argmax(gaps)]:.0f}: '
                                'the line must be empty (no sheet) while installing')
    top = _theil_sen(x_in, tops[inliers])
    bottom = _theil_sen(x_in, bottoms[inliers])
    return _CoarseBar(top, bottom, (float(x_in[0]), float(x_in[-1])))


def boundary_crossings(image: np.ndarray, xs: np.ndarray, rows: np.ndarray, inside_below: bool,
                       reach: int = 8) -> np.ndarray:
    """Per column xs: the row where the image crosses half-way between the level outside a bar and inside it,
    searched within +-reach of `rows` (linear between pixel centres: the 50 % point of an area-sampled step).
    NaN where there is no single clear step."""
    h = image.shape[0]
    base = np.floor(rows).astype(int)
    offsets = np.arange(-reach, reach + 1)
    r = np.clip(base[:, None] + offsets[None, :], 0, h - 1)
    values = image[r, xs[:, None]].astype(np.float64)
    far = np.arange(reach + 1, reach + 7)
    above = image[np.clip(base[:, None] - far[None, :], 0, h - 1), xs[:, None]]
    below = image[np.clip(base[:, None] + far[None, :], 0, h - 1), xs[:, None]]
    outside, inside = (np.median(above, axis=1), np.median(below, axis=1)) if inside_below else \
        (np.median(below, axis=1), np.median(above, axis=1))
    # Normalised so that the step rises from 0 (above) to 1 (below).
    lo, hi = (outside, inside) if inside_below else (inside, outside)
    span = hi - lo
    n = (values - lo[:, None]) / np.where(np.abs(span) < 1e-6, np.nan, span)[:, None]
    rising = (n[:, :-1] < 0.5) & (n[:, 1:] >= 0.5)
    count = rising.sum(axis=1)
    k = np.argmax(rising, axis=1)
    idx = np.arange(len(xs))
    a, b = n[idx, k], n[idx, k + 1]
    row = base + offsets[k] + (0.5 - a) / (b - a)
    ok = (count == 1) & (np.abs(span) > 6.0)
    return np.where(ok, row, np.nan)


def _fit_line(xs: np.ndarray, ys: np.ndarray, pivot: float) -> tuple[float, float, float]:
    """Least-squares y = a + b (x - pivot), outliers (> 3 robust sigma, at least 0.5 px) left out; (a, b, rms)."""
    keep = np.isfinite(ys)
    for _ in range(3):
        if keep.sum() < 20:
            raise InstallationError('a bar boundary could not be followed along the bar')
        b, a = np.polyfit(xs[keep] - pivot, ys[keep], 1)
        residual = ys - (a + b * (xs - pivot))
        sigma = 1.4826 * float(np.nanmedian(np.abs(residual[keep])))
        keep = np.isfinite(ys) & (np.abs(residual) <= max(3.0 * sigma, 0.5))
    b, a = np.polyfit(xs[keep] - pivot, ys[keep], 1)
    rms = float(np.sqrt(np.mean((ys[keep] - (a + b * (xs[keep] - pivot))) ** 2)))
    return float(a), float(b), rms


@dataclass(frozen=True)
class _ImageBar:
    top: tuple[float, float]         # a, b of top(x) = a + b (x - pivot), ideal view
    bottom: tuple[float, float]
    columns: tuple[float, float]
    rms: float

    @property
    def angle_deg(self) -> float:
        return math.degrees(math.atan((self.top[1] + self.bottom[1]) / 2.0))


def fit_bar(ideal: np.ndarray, coarse: _CoarseBar, pivot: float, margin: int = 40) -> _ImageBar:
    """Both boundaries of a bar placed column by column (50 % points) and fitted with lines."""
    xs = np.arange(int(coarse.columns[0]) + margin - _STRIP_PX // 2, int(coarse.columns[1]) - margin + _STRIP_PX // 2)
    xs = xs[(xs >= 0) & (xs < ideal.shape[1])]
    fits = []
    for (a, b), inside_below in ((coarse.top, True), (coarse.bottom, False)):
        rows = boundary_crossings(ideal, xs, a + b * xs, inside_below)
        fits.append(_fit_line(xs.astype(np.float64), rows, pivot))
    (at, bt, rt), (ab, bb, rb) = fits
    return _ImageBar((at, bt), (ab, bb), coarse.columns, math.hypot(rt, rb) / math.sqrt(2.0))


# --- 2. the camera roll ------------------------------------------------------------------------------------------
def _projection_sharpness(coords_along: np.ndarray, coords_across: np.ndarray, weights: np.ndarray,
                          angles: np.ndarray, sign: float, bin_px: float = 0.25, sigma_px: float = 0.6) -> np.ndarray:
    """For each angle: the gradient summed along lines at that angle, high-passed, squared and summed. Straight
    edges at that angle add up in one place: the sum is largest at their angle. Each pixel is spread linearly over
    quarter-pixel bins and the profile smoothed by a 0.6 px Gaussian: with whole- or half-pixel bins, pixel centres
    on integer rows pile into every other bin at exactly 0 deg, a peak that held rolls under 0.1 deg at 0."""
    kernel = np.exp(-0.5 * (np.arange(-8, 9) * bin_px / sigma_px) ** 2)
    kernel /= kernel.sum()
    wide = np.ones(int(round(15.0 / bin_px))) / round(15.0 / bin_px)
    scores = []
    for angle in angles:
        position = (coords_across + sign * coords_along * math.tan(angle)) / bin_px
        first = np.floor(position - position.min())
        fraction = position - position.min() - first
        index = first.astype(np.int64)
        size = int(index.max()) + 2
        profile = np.bincount(index, weights * (1.0 - fraction), size) + \
            np.bincount(index + 1, weights * fraction, size)
        profile = np.convolve(profile, kernel, mode='same')
        scores.append(float(np.sum((profile - np.convolve(profile, wide, mode='same')) ** 2)))
    return np.array(scores)


def _peak(angles: np.ndarray, scores: np.ndarray) -> float:
    i = int(np.argmax(scores))
    if 0 < i < len(scores) - 1:
        y0, y1, y2 = scores[i - 1], scores[i], scores[i + 1]
        denom = y0 - 2.0 * y1 + y2
        if denom < 0:
            return float(angles[i] + 0.5 * (y0 - y2) / denom * (angles[1] - angles[0]))
    return float(angles[i])


def estimate_roll(ideal: np.ndarray, bars: Mapping[str, _ImageBar], pivot: float,
                  max_roll_deg: float = 3.0) -> RollEstimate:
    """Camera roll from the furnace's straight edges (plumb and level on the sheet plane), bars left out."""
    h, w = ideal.shape
    gx = cv2.Sobel(ideal, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(ideal, cv2.CV_32F, 0, 1, ksize=3)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    usable = (xs > 8) & (xs < w - 8) & (ys > 8) & (ys < h - 8)
    for bar in bars.values():  # the bars (and their ends) with a margin
        top = bar.top[0] + bar.top[1] * (xs - pivot)
        bottom = bar.bottom[0] + bar.bottom[1] * (xs - pivot)
        usable &= ~((ys > top - 12) & (ys < bottom + 12))
    estimates, curves = {}, {}
    coarse = np.radians(np.arange(-max_roll_deg, max_roll_deg + 1e-9, 0.05))
    for kind, gradient, along, across, sign in (('vertical', gx, ys, xs, 1.0), ('horizontal', gy, xs, ys, -1.0)):
        magnitude = np.abs(gradient)
        strong = usable & (magnitude > max(float(np.percentile(magnitude[usable], 80)), 4.0))
        if strong.sum() < 2000:
            continue
        args = (along[strong].astype(np.float64), across[strong].astype(np.float64),
                gradient[strong].astype(np.float64))
        scores = _projection_sharpness(*args, coarse, sign)
        curves[kind] = (args, sign, scores)
    if not curves:
        raise InstallationError('no straight furnace edges to find the camera roll from: give it (--roll-deg)')
    # Each kind's curve, scaled by how clearly it peaks (a view without such structures adds almost nothing).
    total = np.zeros(coarse.size)
    for kind, (_, _, scores) in curves.items():
        floor, top = float(np.median(scores)), float(scores.max())
        weight = (top - floor) / max(floor, 1e-9)
        total += weight * (scores - floor) / max(top - floor, 1e-9)
        estimates[kind] = math.degrees(_refine(curves[kind], _peak(coarse, scores)))
    centre = _peak(coarse, total)
    fine = centre + np.radians(np.arange(-0.1, 0.1 + 1e-9, 0.004))
    total_fine = np.zeros(fine.size)
    for args, sign, scores in curves.values():
        floor, top = float(np.median(scores)), float(scores.max())
        fine_scores = _projection_sharpness(*args, fine, sign)
        total_fine += (top - floor) / max(floor, 1e-9) * (fine_scores - floor) / max(top - floor, 1e-9)
    return RollEstimate(math.degrees(_peak(fine, total_fine)), estimates.get('vertical', math.nan),
                        estimates.get('horizontal', math.nan), 'furnace')


def _refine(curve: tuple, centre: float) -> float:
    args, sign, _ = curve
    fine = centre + np.radians(np.arange(-0.1, 0.1 + 1e-9, 0.004))
    return _peak(fine, _projection_sharpness(*args, fine, sign))


# --- 3. the sheet-plane view: rows and ends ----------------------------------------------------------------------
def _rows_in_view(bar: _ImageBar, roll_deg: float, principal: tuple[float, float], pivot: float) -> BarLine:
    """The bar's rows at the pivot in the sheet-plane view, from its ideal-view lines (the provisional view)."""
    angle = math.atan((bar.top[1] + bar.bottom[1]) / 2.0)
    tilt = math.degrees(angle) - roll_deg
    to_plane = unroll(roll_deg, principal)
    rows = []
    for a, b in (bar.top, bar.bottom):
        # Two points of the line, unrolled; the row where that line crosses the pivot column.
        pts = np.array([[pivot - 200.0, a - 200.0 * b, 1.0], [pivot + 200.0, a + 200.0 * b, 1.0]]) @ to_plane.T
        (x0, y0, _), (x1, y1, _) = pts
        rows.append(y0 + (pivot - x0) * (y1 - y0) / (x1 - x0))
    return BarLine((int(round(rows[0])), int(round(rows[1]))), tilt)


def end_step(profile: np.ndarray, inner: float, outward: int, bar_level: float, beyond_level: float,
             reach: int = 12, min_contrast: float = 10.0) -> tuple[float, float]:
    """A bar's end along a profile: walking `outward` (-1: left, +1: right) from the column `inner` on the bar to
    the first column that leaves the bar's local level (by a fifth of the bar's contrast to the furnace, at least 3
    grey levels) and does not come back to it within `reach` columns (paint wear and bolts do); then the 50 % point
    between the bar's level and the local level just beyond. Returns (position, contrast of that step); position
    NaN when the bar runs out of the view, or when the step is under `min_contrast` grey levels (an end that cannot
    be placed: a further, stronger step is not taken for it)."""
    w = profile.size
    tolerance = max(3.0, 0.2 * abs(bar_level - beyond_level))
    i = int(round(inner))

    def level_at(j: int) -> float:
        """The bar's own level just inside column j (light and vignetting change it along the bar)."""
        lo, hi = sorted((j, j - outward * 16))
        return float(np.median(profile[max(lo, 0):max(min(hi + 1, w), 1)]))

    while True:
        level = level_at(i)
        while 0 <= i + outward < w and abs(profile[i + outward] - level) <= tolerance:
            i += outward
            if (i - int(round(inner))) % 8 == 0:
                level = level_at(i)
        e = i + outward  # first column off the bar's level
        if not 0 <= e < w:
            return math.nan, math.nan
        ahead = profile[e:e + outward * reach:outward] if outward > 0 else profile[e:max(e - reach, -1):-1]
        back = np.nonzero(np.abs(ahead - level) <= tolerance)[0]
        if back.size == 0 or back[0] > reach // 2:
            break
        i = e + outward * int(back[0])  # a blip on the bar: walk on from where it is back
    lo_out, hi_out = sorted((e + outward * 2, e + outward * reach))
    outside = profile[max(lo_out, 0):max(min(hi_out + 1, w), 0)]
    lo_in, hi_in = sorted((e - outward * 3, e - outward * reach))
    inside = profile[max(lo_in, 0):max(min(hi_in + 1, w), 0)]
    if outside.size < 4:
        return math.nan, math.nan
    level_in = float(np.median(inside)) if inside.size >= 4 else bar_level
    level_out = float(np.median(outside))
    contrast = abs(level_in - level_out)
    if contrast < min_contrast:
        return math.nan, contrast
    half = (level_in + level_out) / 2.0
    for j in range(e - outward * 4, e + outward * 6, outward):  # from the bar side outwards
        if not (0 <= j < w and 0 <= j + outward < w):
            continue
        a, b = profile[j], profile[j + outward]
        if (a - half) * (b - half) <= 0 and a != b:
            return float(j + outward * (a - half) / (a - b)), contrast
    return math.nan, contrast


def measure_in_view(view: np.ndarray, line: BarLine, columns: tuple[float, float], pivot: float,
                    min_end_contrast: float = 10.0
                    ) -> tuple[tuple[float, float], tuple[float, float], float, float, tuple[float, float]]:
    """In the sheet-plane view: the bar's boundary rows at the pivot (50 % points, fitted along the bar), its two
    ends (50 % points of the profile along its middle; NaN where it cannot be placed, end_step), how far its
    boundaries still run off level end to end (px), the contrast between the bar and the furnace around it and the
    contrast of the step at each end (grey levels)."""
    xs = np.arange(int(columns[0]) + 40, int(columns[1]) - 40)
    rows, off_level = [], 0.0
    for row, inside_below in ((line.rows[0], True), (line.rows[1], False)):
        found = boundary_crossings(view, xs, np.full(xs.size, float(row)), inside_below, reach=4)
        a, b, _ = _fit_line(xs.astype(np.float64), found, pivot)
        rows.append(a)
        off_level = max(off_level, abs(b) * (xs[-1] - xs[0]))
    top, bottom = rows
    inner = view[int(math.ceil(top)) + 3:int(math.floor(bottom)) - 3]
    profile = np.median(inner, axis=0)
    bar_level = float(np.median(profile[int(columns[0]):int(columns[1])]))
    # Beyond its ends the bar's rows show what is above and below it: the furnace.
    around = np.concatenate([view[max(int(top) - 20, 0):max(int(top) - 8, 0)].ravel(),
                             view[int(bottom) + 8:int(bottom) + 20].ravel()])
    beyond_level = float(np.median(around))
    # Walk out from a strip inside each end (the outermost strips found may already reach past it).
    steps = (end_step(profile, columns[0] + _STRIP_PX, -1, bar_level, beyond_level, min_contrast=min_end_contrast),
             end_step(profile, columns[1] - _STRIP_PX, 1, bar_level, beyond_level, min_contrast=min_end_contrast))
    return ((top, bottom), (steps[0][0], steps[1][0]), off_level, abs(bar_level - beyond_level),
            (steps[0][1], steps[1][1]))


# --- 4. the scale -----------------------------------------------------------------------------------------------
def scale_from_target(image: np.ndarray, calibration: Calibration, pattern: tuple[int, int],
                      square_mm: float) -> float:
    """mm per ideal-view px from a chessboard held flat on the sheet plane: the square size over the mean
    distance of neighbouring inner corners in the ideal view (a roll does not change distances)."""
    corners = find_corners(grey(image), pattern)
    if corners is None:
        raise InstallationError(f'no {pattern[0]}x{pattern[1]} chessboard found in the target image')
    k = calibration.camera_matrix
    ideal = cv2.undistortPoints(corners.astype(np.float64), k, calibration.dist_coeffs, R=None, P=k,
                                criteria=(cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 60, 1e-10))
    grid = ideal.reshape(pattern[1], pattern[0], 2)
    steps = np.concatenate([np.linalg.norm(np.diff(grid, axis=1), axis=2).ravel(),
                            np.linalg.norm(np.diff(grid, axis=0), axis=2).ravel()])
    return square_mm / float(np.mean(steps))


# --- the whole installation --------------------------------------------------------------------------------------
def install(frames: Sequence[np.ndarray], calibration: Calibration, bar_length_mm: Sequence[float] | None = None,
            target_mm_per_px: float | None = None, bar_left_mm: float | None = None,
            roll_deg: float | None = None, availability_half_width: int = 80,
            availability_margin: int = 20, min_end_contrast: float = 10.0,
            end_agreement_px: float = 1.5) -> Installation:
    """The tracker's geometry from frames of the empty line seen through `calibration`'s lens.

    bar_length_mm: the bars' physical length (one value for both, or white and black); target_mm_per_px: the scale
    from a target instead (scale_from_target). bar_left_mm: the sheet-plane position of the bars' left ends, which
    sets where mm are counted from (default: column 0 of the unrolled ideal view, as before installation).
    roll_deg: the camera roll when known (default: measured on the furnace). min_end_contrast: grey levels a bar's
    end must step by to be placed; end_agreement_px: how far the two bars' left ends (and right ends, for one
    length) may disagree before only the clearer one is used."""
    if (bar_length_mm is None) == (target_mm_per_px is None):
        raise InstallationError('give the scale one way: the bars\' length in mm or a target on the sheet plane')
    image = mean_grey(frames)
    h, w = image.shape
    if (calibration.width, calibration.height) != (w, h):
        raise InstallationError(f'frames are {w}x{h}, the lens calibration is for {calibration.width}x'
                                f'{calibration.height}')
    pivot = w / 2.0
    ideal = DistortionCorrection(calibration).region(image, (0, h), (0, w))
    coarse = coarse_bars(ideal)
    in_image = {name: fit_bar(ideal, c, pivot) for name, c in coarse.items()}
    _check_apart(in_image)
    if roll_deg is None:
        roll = estimate_roll(ideal, in_image, pivot)
    else:
        roll = RollEstimate(float(roll_deg), math.nan, math.nan, 'given')
    k = calibration.camera_matrix
    principal = (float(k[0, 2]), float(k[1, 2]))
    lines = {name: _rows_in_view(bar, roll.roll_deg, principal, pivot) for name, bar in in_image.items()}
    geometry = SheetPlaneGeometry(roll.roll_deg, tuple(lines[n] for n in BAR_NAMES), pivot)
    correction = DistortionCorrection(calibration, geometry)
    view = correction.region(image, (0, h), (0, w))
    bars = {}
    warnings: list[str] = []
    for name in BAR_NAMES:
        rows, ends, off_level, contrast, end_contrast = measure_in_view(view, lines[name], in_image[name].columns,
                                                                        pivot, min_end_contrast)
        for which, end, step in zip(('left', 'right'), ends, end_contrast, strict=True):
            if math.isnan(end) and math.isfinite(step):
                warnings.append(f'the {name} bar\'s {which} end shows only {step:.0f} grey levels against what lies '
                                f'beyond it (at least {min_end_contrast:g} needed): not placed, not used')
        bars[name] = FoundBar(name, rows, lines[name].tilt_deg, in_image[name].angle_deg, ends,
                              in_image[name].rms, off_level, contrast, end_contrast)
    lengths = None
    if bar_length_mm is not None:
        lengths = list(bar_length_mm) * (2 if len(bar_length_mm) == 1 else 1)
        if len(lengths) != 2 or min(lengths) <= 0:
            raise InstallationError('bar length: one value (both bars) or two (white, black), in mm')
    # Both bars start at the same place (bar_left_mm), and end at the same place for one length: where both ends
    # are placed but disagree, one of them is not the end (a step beside it was taken for it): the clearer one stays.
    usable = {name: list(b.ends) for name, b in bars.items()}
    for k, which in enumerate(('left', 'right')):
        if k == 1 and (lengths is None or lengths[0] != lengths[1]):
            continue
        (na, a), (nb, b) = ((n, bars[n]) for n in BAR_NAMES)
        if math.isfinite(a.ends[k]) and math.isfinite(b.ends[k]) and abs(a.ends[k] - b.ends[k]) > end_agreement_px:
            weak = na if a.end_contrast[k] < b.end_contrast[k] else nb
            usable[weak][k] = math.nan
            warnings.append(f'the bars\' {which} ends disagree by {abs(a.ends[k] - b.ends[k]):.1f} px (white '
                            f'{bars["white"].ends[k]:.1f}, black {bars["black"].ends[k]:.1f}; steps of '
                            f'{bars["white"].end_contrast[k]:.0f} / {bars["black"].end_contrast[k]:.0f} grey levels): '
                            f'the {weak} bar\'s is left out')
    # Each end weighs by its step's contrast squared (a 50 % point moves with the noise and with whatever lies
    # beyond the end, relative to the contrast): a dark mortar joint by the black bar's end moved it 1.3 px.
    def weighted(k: int, values: Mapping[str, float]) -> float:
        names = [n for n in BAR_NAMES if math.isfinite(values[n]) and math.isfinite(usable[n][k])]
        weights = np.array([bars[n].end_contrast[k] ** 2 for n in names])
        return float(np.dot(weights / weights.sum(), [values[n] for n in names])) if names else math.nan

    if lengths is not None:
        # The ends lie on the bar's axis, at `tilt` on the sheet plane: their column distance is L cos(tilt).
        scales = {name: length * math.cos(math.radians(b.tilt_deg)) / (usable[name][1] - usable[name][0])
                  for length, (name, b) in zip(lengths, bars.items(), strict=True)}
        found = [n for n in BAR_NAMES if math.isfinite(scales[n])]
        if not found:
            raise InstallationError(
                'no bar has both ends placed: the bars\' length cannot give the scale; use a target'
                + (f' ({"; ".join(warnings)})' if warnings else ''))
        weights = np.array([min(bars[n].end_contrast) ** 2 for n in found])
        mm_per_px = float(np.dot(weights / weights.sum(), [scales[n] for n in found]))
        source = f'bar length {lengths[0]:g} / {lengths[1]:g} mm' + ('' if len(found) == 2 else f', {found[0]} bar')
        spread = abs(scales['white'] - scales['black']) / mm_per_px if len(found) == 2 else 0.0
        if len(found) == 1:
            warnings.append(f'the scale is from the {found[0]} bar\'s ends alone')
    else:
        mm_per_px, source, spread = float(target_mm_per_px), 'target on the sheet plane', 0.0
    lefts = [b.ends[0] for b in bars.values()]
    rights = [b.ends[1] for b in bars.values()]
    if bar_left_mm is None:
        origin = 0.0
    else:
        left = weighted(0, {n: b.ends[0] for n, b in bars.items()})
        if math.isnan(left):
            raise InstallationError('no bar\'s left end could be placed: cannot count mm from them'
                                    + (f' ({"; ".join(warnings)})' if warnings else ''))
        origin = float(bar_left_mm) - mm_per_px * left
    c0 = max(v for v in lefts if math.isfinite(v)) if any(math.isfinite(v) for v in lefts) else 0.0
    c1 = min(v for v in rights if math.isfinite(v)) if any(math.isfinite(v) for v in rights) else float(w)
    columns = (int(round(c0)), int(round(c1)))
    rows_a, cols_a = _availability_area(correction, {n: b.rows for n, b in bars.items()}, columns,
                                        availability_half_width, availability_margin, (w, h))
    return Installation(w, h, roll, bars, mm_per_px, source, spread, origin, columns, rows_a, cols_a,
                        tuple(warnings))


def _check_apart(bars: Mapping[str, _ImageBar]) -> None:
    white, black = bars['white'], bars['black']
    gap = max(black.top[0] - white.bottom[0], white.top[0] - black.bottom[0])
    if gap < 20.0:
        raise InstallationError(f'the white and black bars overlap or touch ({gap:.0f} px apart)')


def _availability_area(correction: DistortionCorrection, rows: Mapping[str, tuple[float, float]],
                       columns: tuple[int, int], half_width: int, margin: int,
                       size: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Captured-frame rows x columns across both bars in the middle of their length (availability, eq. 1)."""
    centre = (columns[0] + columns[1]) / 2.0
    xs = np.linspace(centre - half_width, centre + half_width, 9)
    points = np.array([[x, r] for x in xs for bar in rows.values() for r in bar])
    captured = correction.distorted_points(points)
    centre_cap = float(np.mean(correction.distorted_points(np.array([[centre, np.mean(list(rows.values()))]]))[:, 0]))
    r0 = max(int(math.floor(captured[:, 1].min())) - margin, 0)
    r1 = min(int(math.ceil(captured[:, 1].max())) + margin, size[1])
    c0 = max(int(round(centre_cap)) - half_width, 0)
    return (r0, r1), (c0, min(c0 + 2 * half_width, size[0]))


# --- the configuration file ---------------------------------------------------------------------------------------
def _yaml_value(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(_yaml_value(v) for v in value) + ']'
    if isinstance(value, float):
        return repr(float(value))
    return str(value)


def configured_text(template: str, values: Mapping[str, object], header: Sequence[str] = ()) -> str:
    """`template` (config/edge_eye.yaml) with `values` in place of its own, comments kept; `header` lines are
    added as comments at the top. Every value must already have its line in the template."""
    lines = template.splitlines()
    for name, value in values.items():
        pattern = re.compile(rf'^(\s+{re.escape(name)}:\s*)(\[[^\]]*\]|[^\s#]+)(.*)$')
        hits = [i for i, line in enumerate(lines) if pattern.match(line)]
        if len(hits) != 1:
            raise InstallationError(f'the template has {len(hits)} lines for {name} (needs exactly one)')
        i = hits[0]
        head, old, tail = pattern.match(lines[i]).groups()
        new = _yaml_value(value)
        # Keep the comment where it was when the new value fits.
        if tail.startswith(' ') and len(new) < len(old) + len(tail) - len(tail.lstrip()):
            tail = ' ' * (len(old) + len(tail) - len(tail.lstrip()) - len(new)) + tail.lstrip()
        lines[i] = head + new + tail
    return ''.join(f'# {h}\n' for h in header) + '\n'.join(lines) + '\n'


def summary(installation: Installation) -> list[str]:
    """What was found, for the console and the file's header."""
    roll = installation.roll
    out = [f'camera roll {roll.roll_deg:+.3f} deg ({roll.source}; vertical edges {roll.vertical_deg:+.3f}, '
           f'horizontal {roll.horizontal_deg:+.3f})']
    for bar in installation.bars.values():
        out.append(f'{bar.name} bar rows {bar.rows[0]:.2f}-{bar.rows[1]:.2f}, tilt {bar.tilt_deg:+.3f} deg on the '
                   f'sheet plane ({bar.image_angle_deg:+.3f} in the image), ends {bar.ends[0]:.2f} / {bar.ends[1]:.2f}'
                   f' px, boundary fit RMS {bar.fit_rms_px:.2f} px, off level {bar.level_px:.2f} px')
    spread = f' (the two bars differ by {100 * installation.scale_spread:.3f} %)' \
        if installation.scale_source.startswith('bar') else ''
    out.append(f'scale {installation.mm_per_px:.5f} mm/px from the {installation.scale_source}{spread}; bars span '
               f'columns {installation.bar_columns[0]}-{installation.bar_columns[1]}; mm = column x scale '
               f'{installation.x_origin_mm:+.2f} mm')
    out += [f'WARNING: {warning}' for warning in installation.warnings]
    return out


def write_configuration(path: Path, template: Path, installation: Installation, frames: int) -> None:
    header = [f'Installed by fracturescope-edge-eye-install from {frames} frame(s) of the empty line:',
              *(f'  {line}' for line in summary(installation)),
              'The values this command sets are its own; every other value is the template\'s.']
    text = configured_text(template.read_text(), installation.parameters(), header)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
