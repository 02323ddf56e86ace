"""What one installation looks like when it is normal, learnt from its own frames; hot spots are what that does not
explain. Plain numpy + OpenCV: it learns on the robot in a second, and needs no anomaly examples.

Seed 001 trains a network on about 120 frames of one boiler, with an anomaly class of painted hot spots. Here the
normal appearance is a linear model of each pixel, learnt from frames of normal operation:

    frame(x) = mean(x) + sum_k B_k(x) h_k + c            (B: principal patterns of the frames, c: ambient offset)

The patterns are the equipment heating and cooling (a pipe, a motor's housing and bearings, each breaker of a
cabinet); h says how hot each is in this frame, c shifts the whole scene with ambient. A frame is fitted robustly
(iteratively reweighted least squares with Tukey's biweight), so a hot spot does not pull the fit towards itself,
and what is left is the excess over normal at every pixel. Camera shake of up to `shake_px` is found per frame: the
quarter-pixel shift of the prediction that matches the frame best, refined by Gauss-Newton steps on the prediction's
gradients (a hot pipe two pixels wide has edges of tens of K per pixel: a shift wrong by a tenth of a pixel would
hide a hot spot on it, or fake one). The excess is
then smoothed with the footprint of a small hot spot seen through the sensor's optics (a Gaussian of
`spot_sigma_px`: a matched filter, which keeps most of a 2 x 2 px spot and removes most of the pixel noise). A hot
spot is a connected region where this evidence exceeds `min_evidence_k`, `noise_z` times its learnt noise at that
pixel, and 1.5 times the largest evidence normal frames showed there in the states the frame is likely in (a burner
or a bearing whose heat varies more than the patterns explain when running, not when off) plus half of
`min_evidence_k`: the largest of a few hundred frames is not the largest there will ever be. Noise and that largest
evidence are measured on frames held out of the learning (5 folds).

States (cold / warm / hot, or the user's own names) are read from the fitted heat coefficients h, and from how much
they changed over the last `state_window_s` when frames come with times (heat_history.py: one frame cannot tell a
lightly loaded cabinet at full temperature from a heavily loaded one heating up), by the nearest learnt frames
(k-nearest neighbours): the user's labels, or states proposed from the frames' heat contrast for the user to confirm
(`propose_states`). Anomaly probability, for the seed's alert rule (alert when it exceeds 0.7):
1 - 0.3 ** (evidence / threshold) of the hottest region, so it passes 0.7 exactly where the evidence passes the
detection threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import time

import cv2
import numpy as np

from fracturescope_perception.thermal_monitor.heat_history import HeatHistory, changes_over

FORMAT = 'fracturescope-thermal-installation/2'
FORMAT_FAMILY = 'fracturescope-thermal-installation/'   # /1: learnt with the quarter-pixel shake envelope
ANOMALY = 'anomaly'
PROPOSED_STATES = ('cold', 'warm', 'hot')
FOLDS = 5
NEIGHBOURS = 7
LIKELY_STATE = 0.25          # states at least this probable count for the allowance (2 of 7 neighbours)
MIN_FRAMES_PER_STATE = 10    # fewer: that state's allowance is the largest of all states
SHIFT_STEP_PX = 0.25         # camera shake searched in these steps (px), then refined
SHIFT_REFINEMENTS = 2        # Gauss-Newton steps refining the shift


@dataclass(frozen=True)
class LearningSettings:
    max_components: int = 12         # patterns of heating at most: a cabinet has a pattern per circuit (count)
    explained_variance: float = 0.999  # fewest patterns explaining this share of the frames' variance: a body
    #                                    75 K over ambient leaves K-sized misfits at 0.995 (1)
    spot_sigma_px: float = 0.8       # footprint of a small hot spot through the optics, matched filter (px)
    min_evidence_k: float = 0.5      # a hot spot's smoothed excess is at least this (K)
    noise_z: float = 5.0             # ... and this many times its noise at that pixel (1)
    noise_floor_k: float = 0.2       # pixel noise assumed at least (the sensor's) (K)
    shake_px: int = 1                # camera shake tolerated (px)
    allowance_factor: float = 1.5    # times the largest evidence normal frames showed (1)
    min_pixels: int = 2              # a region smaller than this needs twice the threshold (px)
    max_frames: int = 2000           # longer recordings are learnt from this many frames, evenly spaced (count)
    state_window_s: float = 600.0    # heat change over this time tells heating / cooling from steady, about the
    #                                  equipment's heating time constant (s)


@dataclass(frozen=True)
class HotSpot:
    box: tuple[int, int, int, int]   # x0, y0, x1, y1 in pixels (x1, y1 exclusive)
    excess_k: float                  # hottest excess over the learnt normal (K)
    peak_c: float                    # temperature there (degC)
    score: float                     # excess over the detection threshold at that pixel (1 = at the threshold)


@dataclass(frozen=True)
class InstallationAssessment:
    label: str                       # most probable state, or `anomaly` when the anomaly probability is highest
    probabilities: dict[str, float]  # states + anomaly, sums to 1
    anomaly_probability: float
    hot_spots: list[HotSpot]         # hottest first


class InstallationModel:
    def __init__(self, arrays: dict[str, np.ndarray], card: dict) -> None:
        self.card = card
        self.installation_id: str = card['installation_id']
        self.states: list[str] = list(card['states'])
        self.classes = [*self.states, ANOMALY]
        self.height, self.width = card['input']['height'], card['input']['width']
        self.settings = LearningSettings(**card['settings'])
        self.mean, self.patterns, self.noise = arrays['mean'], arrays['patterns'], arrays['noise']
        self.allowance = arrays['allowance']
        self.known_heat, self.known_state = arrays['known_heat'], arrays['known_state']
        # heat change of each learnt frame over state_window_s (NaN: learnt without times, or too early)
        self.known_change = arrays.get('known_change', np.full(self.known_heat.shape, np.nan))
        self._design = np.column_stack([np.ones(self.mean.size), self.patterns.T])    # P x (1 + K)
        self._history = HeatHistory(self.settings.state_window_s)

    # Learning --------------------------------------------------------------------------------------------------
    @classmethod
    def learn(cls, frames_c: np.ndarray, labels: list[str] | None, installation_id: str,
              settings: LearningSettings = LearningSettings(), times_s: np.ndarray | None = None
              ) -> InstallationModel:
        """Learn from frames of normal operation (N x H x W, degC) with a state label per frame, or None to take
        the proposed states (`propose_states`). With `times_s` (N, increasing, s) the states are also learnt from
        how the heat changes."""
        if times_s is not None and (len(times_s) != len(frames_c) or not np.isfinite(times_s).all()
                                    or np.any(np.diff(times_s) < 0)):
            raise ValueError(f'{len(times_s)} times for {len(frames_c)} frames: one finite time per frame, in order')
        if len(frames_c) > settings.max_frames:        # memory and time grow with the frames: keep them bounded
            chosen = np.linspace(0, len(frames_c) - 1, settings.max_frames).round().astype(int)
            frames_c = np.asarray(frames_c)[chosen]
            labels = None if labels is None else [labels[i] for i in chosen]
            times_s = None if times_s is None else np.asarray(times_s)[chosen]
        frames = np.asarray(frames_c, np.float64)
        if frames.ndim != 3 or len(frames) < 10 or not np.isfinite(frames).all():
            raise ValueError('learning takes at least 10 finite frames, N x height x width')
        n, height, width = frames.shape
        flat = frames.reshape(n, -1)
        mean, patterns = _normal_patterns(flat, settings)
        states = labels if labels is not None else propose_states(frames)
        if len(states) != n:
            raise ValueError(f'{len(states)} labels for {n} frames')
        names = sorted(set(states), key=lambda s: (PROPOSED_STATES.index(s) if s in PROPOSED_STATES else 3, s))
        if ANOMALY in names:
            raise ValueError(f'"{ANOMALY}" is not a normal state: learning takes normal frames only')
        known_state = np.array([names.index(state) for state in states])
        model = cls({'mean': mean, 'patterns': patterns, 'noise': np.zeros_like(mean),
                     'allowance': np.zeros((len(names), mean.size)),
                     'known_heat': np.zeros((1, len(patterns))), 'known_state': np.zeros(1, np.int64)},
                    _card(installation_id, names, height, width, settings, n))
        # Evidence noise and the largest evidence normal frames show in each state, measured on frames the patterns
        # were not learnt from (5 folds): in-sample residuals are smaller than the ones the monitor will see.
        evidence = np.zeros((n, height * width))
        for fold in range(FOLDS):
            held_out = np.arange(n) % FOLDS == fold
            mean_f, patterns_f = _normal_patterns(flat[~held_out], settings)
            fold_model = cls({**model.arrays(), 'mean': mean_f, 'patterns': patterns_f}, model.card)
            for i in np.nonzero(held_out)[0]:
                prediction, _ = fold_model._fit(flat[i])
                evidence[i] = fold_model._evidence(fold_model._excess(frames[i], prediction.reshape(height, width))
                                                   ).ravel()
        model.noise = np.maximum(1.4826 * np.median(np.abs(evidence - np.median(evidence, axis=0)), axis=0),
                                 settings.noise_floor_k * _filter_noise_gain(settings.spot_sigma_px))
        overall = np.clip(evidence.max(axis=0), 0.0, None)
        model.allowance = np.array([np.clip(evidence[known_state == i].max(axis=0), 0.0, None)
                                    if (known_state == i).sum() >= MIN_FRAMES_PER_STATE else overall
                                    for i in range(len(names))])
        heat = np.array([model._fit(f)[1][1:] for f in flat])
        model.states, model.classes = names, [*names, ANOMALY]
        model.known_heat, model.known_state = heat, known_state
        model.known_change = changes_over(times_s, heat, settings.state_window_s) if times_s is not None \
            else np.full(heat.shape, np.nan)
        chosen = {name: int((known_state == i).sum()) for i, name in enumerate(names)}
        model.card = _card(installation_id, names, height, width, settings, n, chosen, len(patterns),
                           int(np.isfinite(model.known_change[:, 0]).sum()) if len(patterns) else 0)
        return model

    def arrays(self) -> dict[str, np.ndarray]:
        return {'mean': self.mean, 'patterns': self.patterns, 'noise': self.noise, 'allowance': self.allowance,
                'known_heat': self.known_heat, 'known_state': self.known_state, 'known_change': self.known_change}

    # Assessment ------------------------------------------------------------------------------------------------
    def assess(self, frame_c: np.ndarray, stamp_s: float | None = None) -> InstallationAssessment:
        """One frame (height x width, degC). With `stamp_s` (s), the frames of this camera in time order: the
        state is read from the heat and its change over `state_window_s` once frames that long ago were seen."""
        frame = checked_frame(frame_c, (self.height, self.width), np.float64)
        prediction, coef = self._fit(frame.ravel())
        change = None if stamp_s is None else self._history.change(stamp_s, coef[1:])
        state_p = self._state_probabilities(coef[1:], change)
        # what normal frames showed in the states this frame may be in
        allowance = self.allowance[state_p >= min(LIKELY_STATE, state_p.max())].max(axis=0)
        hot_spots = self._hot_spots(frame, prediction.reshape(frame.shape), allowance.reshape(frame.shape))
        anomaly = 1.0 - 0.3 ** hot_spots[0].score if hot_spots else 0.0
        probabilities = {s: float(p) * (1.0 - anomaly) for s, p in zip(self.states, state_p, strict=True)}
        probabilities[ANOMALY] = anomaly
        return InstallationAssessment(max(probabilities, key=probabilities.__getitem__), probabilities, anomaly,
                                      hot_spots)

    def _fit(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Robust fit of the normal model to one frame: prediction per pixel and coefficients (c, h)."""
        coef = robust_least_squares(self._design, pixels - self.mean, self.settings.noise_floor_k)
        return self.mean + self._design @ coef, coef

    def _excess(self, frame: np.ndarray, prediction: np.ndarray) -> np.ndarray:
        """How much hotter each pixel is than the normal prediction moved by the camera's shake: the shift within
        `shake_px` (steps of SHIFT_STEP_PX) that matches the frame best, refined by Gauss-Newton steps (the frame
        minus the moved prediction fitted robustly by its gradients)."""
        limit = self.settings.shake_px
        steps = np.arange(-limit, limit + 1e-9, SHIFT_STEP_PX)
        cost = {}
        for dx in steps:
            for dy in steps:
                residual = frame - _shift(prediction, dx, dy)
                # mean, not median, absolute residual: most pixels are background, which every shift matches equally
                cost[dx, dy] = float(np.mean(np.abs(residual - np.median(residual))))
        dx, dy = min(cost, key=cost.__getitem__)
        for _ in range(SHIFT_REFINEMENTS):
            moved = _shift(prediction, dx, dy)
            gy, gx = np.gradient(moved)
            # frame(x) = moved(x - e) ~ moved(x) - e . gradient(x): the fitted gradient coefficients are -e
            design = np.column_stack([np.ones(frame.size), gx.ravel(), gy.ravel()])
            _, ex, ey = -robust_least_squares(design, (frame - moved).ravel(), self.settings.noise_floor_k)
            dx, dy = float(np.clip(dx + ex, -limit, limit)), float(np.clip(dy + ey, -limit, limit))
        return frame - _shift(prediction, dx, dy)

    def _evidence(self, excess: np.ndarray) -> np.ndarray:
        """The excess smoothed with a small hot spot's footprint (matched filter, K). Only heat counts: beside hot
        equipment a residual shake error leaves pixels far below the prediction, and that deficit must not cancel a
        spot next to it."""
        return cv2.GaussianBlur(np.maximum(excess, 0.0), (0, 0), self.settings.spot_sigma_px,
                                borderType=cv2.BORDER_REFLECT)

    def _hot_spots(self, frame: np.ndarray, prediction: np.ndarray, allowance: np.ndarray) -> list[HotSpot]:
        s = self.settings
        threshold = np.maximum.reduce([np.full(frame.shape, s.min_evidence_k),
                                       s.noise_z * self.noise.reshape(frame.shape),
                                       s.allowance_factor * allowance + s.min_evidence_k / 2])
        excess = self._excess(frame, prediction)
        score = self._evidence(excess) / threshold
        count, regions = cv2.connectedComponents((score > 0.5).astype(np.uint8), connectivity=8)
        spots = []
        for region in range(1, count):
            mask = regions == region
            peak = float(score[mask].max())
            needed = 1.0 if mask.sum() >= s.min_pixels else 2.0
            if peak <= needed:
                continue
            ys, xs = np.nonzero(mask)
            at = np.unravel_index(np.argmax(np.where(mask, score, -np.inf)), frame.shape)
            spots.append(HotSpot((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1),
                                 float(excess[at]), float(frame[at]), peak / needed))
        return sorted(spots, key=lambda spot: -spot.score)

    def _state_probabilities(self, heat: np.ndarray, change: np.ndarray | None = None) -> np.ndarray:
        """Share of each state among the NEIGHBOURS learnt frames whose heat coefficients (and their change, when
        known here and for enough learnt frames) are nearest, smoothed: warm is a continuum between cold and hot,
        which no single Gaussian per state describes. Unscaled: the patterns that carry most of the heat carry most
        of the distance, and a change is in the same units as the heat."""
        distance = ((self.known_heat - heat) ** 2).sum(axis=1)
        with_change = np.isfinite(self.known_change[:, 0]) if self.known_change.shape[1] else np.zeros(0, bool)
        candidates = np.arange(len(distance))
        if change is not None and with_change.sum() >= NEIGHBOURS:
            candidates = np.nonzero(with_change)[0]
            distance = distance[candidates] + ((self.known_change[candidates] - change) ** 2).sum(axis=1)
        nearest = self.known_state[candidates[np.argsort(distance)[:NEIGHBOURS]]]
        counts = np.bincount(nearest, minlength=len(self.states)) + 0.5
        return counts / counts.sum()

    # Files -----------------------------------------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        """Write <id>.npz and its card <id>.card.json into `directory`; returns the card's path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = directory / f'{self.installation_id}.npz'
        np.savez(arrays, **self.arrays())
        card_path = directory / f'{self.installation_id}.card.json'
        card_path.write_text(json.dumps({**self.card, 'model_file': arrays.name}, indent=2) + '\n')
        return card_path

    @classmethod
    def load(cls, card_path: Path) -> InstallationModel:
        card = json.loads(Path(card_path).read_text())
        if str(card.get('format', '')).startswith(FORMAT_FAMILY) and card['format'] != FORMAT:
            # its noise and allowances were measured with another excess: thresholds would not match
            raise ValueError(f'{card_path} was learnt by an earlier version ({card["format"]}): learn it again')
        if card.get('format') != FORMAT:
            raise ValueError(f'{card_path} is not an installation model card ({FORMAT})')
        with np.load(Path(card_path).parent / card['model_file']) as arrays:
            return cls({name: arrays[name] for name in arrays.files}, card)


def checked_frame(frame_c: np.ndarray, shape: tuple[int, int], dtype: type) -> np.ndarray:
    """`frame_c` as an array of `dtype`; ValueError unless it has `shape` and only finite temperatures."""
    frame = np.asarray(frame_c, dtype)
    if frame.shape != shape:
        raise ValueError(f'frame is {frame.shape}, the model takes {shape}')
    if not np.isfinite(frame).all():
        raise ValueError(f'frame has {int((~np.isfinite(frame)).sum())} non-finite temperatures')
    return frame


def robust_least_squares(design: np.ndarray, target: np.ndarray, noise_floor: float) -> np.ndarray:
    """Coefficients of `design` (P x C) fitting `target` (P) by iteratively reweighted least squares with Tukey's
    biweight: pixels far off the fit (a hot spot) stop pulling it. The scale never drops below the sensor's noise."""
    weights = np.ones_like(target)
    for _ in range(6):
        root = np.sqrt(weights)
        coef = np.linalg.lstsq(design * root[:, None], target * root, rcond=None)[0]
        residual = target - design @ coef
        scale = max(4.685 * 1.4826 * float(np.median(np.abs(residual))), 4.685 * noise_floor)
        weights = np.clip(1.0 - (residual / scale) ** 2, 0.0, None) ** 2
    return coef


def _shift(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """`image` moved by (dx, dy) pixels, bicubic (a sharp hot edge needs more than bilinear), edges repeated."""
    return cv2.warpAffine(image, np.float64([[1, 0, dx], [0, 1, dy]]), (image.shape[1], image.shape[0]),
                          flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def _filter_noise_gain(sigma_px: float) -> float:
    """How much the matched filter scales independent pixel noise (its kernel's L2 norm)."""
    impulse = np.zeros((15, 15))
    impulse[7, 7] = 1.0
    return float(np.sqrt((cv2.GaussianBlur(impulse, (0, 0), sigma_px) ** 2).sum()))


def _normal_patterns(flat: np.ndarray, settings: LearningSettings) -> tuple[np.ndarray, np.ndarray]:
    """Mean frame and the fewest principal patterns explaining `explained_variance` of the frames (N x P), after
    taking out each frame's own mean (the ambient offset, fitted per frame)."""
    centred = flat - flat.mean(axis=1, keepdims=True)
    mean = centred.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred - mean, full_matrices=False)
    share = np.cumsum(singular**2) / max(float((singular**2).sum()), 1e-12)
    return mean, vt[:int(min(settings.max_components, np.searchsorted(share, settings.explained_variance) + 1))]


def heat_contrast(frames_c: np.ndarray) -> np.ndarray:
    """Per frame: how much hotter its hottest part is than its coolest (p98 - p5, K): what tells states apart when
    nobody has labelled them."""
    flat = np.asarray(frames_c, np.float64).reshape(len(frames_c), -1)
    return np.percentile(flat, 98, axis=1) - np.percentile(flat, 5, axis=1)


def propose_states(frames_c: np.ndarray) -> list[str]:
    """cold / warm / hot per frame from its heat contrast, for the user to confirm or correct: as a share of the way
    from the recording's off level (2nd percentile) to its running level (98th), cold within the first 10 %, hot
    within the last 10 %, warm (heating up or cooling down) between. All `cold` when the recording shows less than
    2 K of difference: it never ran."""
    contrast = heat_contrast(frames_c)
    off, running = np.percentile(contrast, [2, 98])
    if running - off < 2.0:
        return ['cold'] * len(contrast)
    level = (contrast - off) / (running - off)
    return ['cold' if x < 0.1 else 'hot' if x > 0.9 else 'warm' for x in level]


def _card(installation_id: str, states: list[str], height: int, width: int, settings: LearningSettings,
          frames: int, per_state: dict[str, int] | None = None, components: int = 0,
          frames_with_change: int = 0) -> dict:
    return {'format': FORMAT, 'name': installation_id, 'installation_id': installation_id, 'states': states,
            'alert_class': ANOMALY,
            'input': {'height': height, 'width': width}, 'settings': settings.__dict__, 'frames_learnt': frames,
            'frames_per_state': per_state or {}, 'components': components,
            'frames_with_heat_change': frames_with_change,
            'learnt_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
