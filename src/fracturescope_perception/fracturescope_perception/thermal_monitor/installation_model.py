"""What one installation looks like when it is normal, learnt from its own frames; hot spots are what that does not
explain. Plain numpy + OpenCV: it learns on the robot in a second, and needs no anomaly examples.

Seed 001 trains a network on about 120 frames of one boiler, with an anomaly class of painted hot spots. Here the
normal appearance is a linear model of each pixel, learnt from frames of normal operation:

    frame(x) = mean(x) + sum_k B_k(x) h_k + c            (B: principal patterns of the frames, c: ambient offset)

The patterns are the equipment heating and cooling (a pipe, a motor's housing and bearings, each breaker of a
cabinet); h says how hot each is in this frame, c shifts the whole scene with ambient. A frame is fitted robustly
(iteratively reweighted least squares with Tukey's biweight), so a hot spot does not pull the fit towards itself,
and what is left is the excess over normal at every pixel. Camera shake of up to `shake_px` is tolerated by comparing
each pixel with the highest prediction in its neighbourhood. A hot spot is a connected region whose excess exceeds
`min_excess_k`, `noise_z` times that pixel's learnt residual noise, and 1.5 times the largest excess normal frames
showed there (a burner or a bearing whose heat varies more than the patterns explain) plus half of `min_excess_k`:
the largest of a few hundred frames is not the largest there will ever be.

States (cold / warm / hot, or the user's own names) are classes of the fitted heat coefficients h: learnt from the
user's labels, or proposed by clustering the frames' heat contrast for the user to confirm (`propose_states`).
Anomaly probability, for the seed's alert rule (alert when it exceeds 0.7): 1 - 0.3 ** (excess / threshold) of the
hottest region, so it passes 0.7 exactly where the excess passes the detection threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import time

import cv2
import numpy as np

FORMAT = 'fracturescope-thermal-installation/1'
ANOMALY = 'anomaly'
PROPOSED_STATES = ('cold', 'warm', 'hot')
FOLDS = 5


@dataclass(frozen=True)
class LearningSettings:
    max_components: int = 6          # patterns of heating at most (count)
    explained_variance: float = 0.995  # fewest patterns explaining this share of the frames' variance (1)
    min_excess_k: float = 2.0        # a hot spot is at least this much above normal (K)
    noise_z: float = 6.0             # ... and this many times the pixel's residual noise (1)
    noise_floor_k: float = 0.2       # residual noise assumed at least (the sensor's) (K)
    shake_px: int = 1                # camera shake tolerated (px)
    min_pixels: int = 2              # a region smaller than this needs twice the threshold (px)


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
        self.state_means, self.state_vars = arrays['state_means'], arrays['state_vars']
        self._design = np.column_stack([np.ones(self.mean.size), self.patterns.T])    # P x (1 + K)

    # Learning --------------------------------------------------------------------------------------------------
    @classmethod
    def learn(cls, frames_c: np.ndarray, labels: list[str] | None, installation_id: str,
              settings: LearningSettings = LearningSettings()) -> InstallationModel:
        """Learn from frames of normal operation (N x H x W, degC) with a state label per frame, or None to take
        the proposed states (`propose_states`)."""
        frames = np.asarray(frames_c, np.float64)
        if frames.ndim != 3 or len(frames) < 10 or not np.isfinite(frames).all():
            raise ValueError('learning takes at least 10 finite frames, N x height x width')
        n, height, width = frames.shape
        flat = frames.reshape(n, -1)
        mean, patterns = _normal_patterns(flat, settings)
        model = cls({'mean': mean, 'patterns': patterns, 'noise': np.zeros_like(mean), 'allowance': np.zeros_like(mean),
                     'state_means': np.zeros((1, len(patterns))), 'state_vars': np.ones((1, len(patterns)))},
                    _card(installation_id, ['normal'], height, width, settings, n))
        # Residual noise and the excess normal frames show, measured on frames the patterns were not learnt from
        # (5 folds): in-sample residuals are smaller than the ones the monitor will see.
        residuals, excess = [], []
        for fold in range(FOLDS):
            held_out = np.arange(n) % FOLDS == fold
            mean_f, patterns_f = _normal_patterns(flat[~held_out], settings)
            fold_model = cls({**model.arrays(), 'mean': mean_f, 'patterns': patterns_f}, model.card)
            for pixels in flat[held_out]:
                prediction, _ = fold_model._fit(pixels)
                residuals.append(pixels - prediction)
                excess.append(fold_model._excess(pixels.reshape(height, width), prediction.reshape(height, width)))
        model.noise = np.maximum(1.4826 * np.median(np.abs(residuals), axis=0), settings.noise_floor_k)
        model.allowance = np.clip(np.max(excess, axis=0).ravel(), 0.0, None)
        fits = [model._fit(f) for f in flat]
        heat = np.array([coef[1:] for _, coef in fits])
        k = len(patterns)
        states = labels if labels is not None else propose_states(frames)
        if len(states) != n:
            raise ValueError(f'{len(states)} labels for {n} frames')
        names = sorted(set(states), key=lambda s: (PROPOSED_STATES.index(s) if s in PROPOSED_STATES else 3, s))
        if ANOMALY in names:
            raise ValueError(f'"{ANOMALY}" is not a normal state: learning takes normal frames only')
        chosen = [heat[[s == name for s in states]] for name in names]
        model.states, model.classes = names, [*names, ANOMALY]
        model.state_means = np.array([c.mean(axis=0) for c in chosen])
        spread = np.array([c.var(axis=0) for c in chosen])
        model.state_vars = np.maximum(spread, 1e-3 * heat.var(axis=0).max() + 1e-6)
        model.card = _card(installation_id, names, height, width, settings, n,
                           {name: int(len(c)) for name, c in zip(names, chosen, strict=True)}, k)
        return model

    def arrays(self) -> dict[str, np.ndarray]:
        return {'mean': self.mean, 'patterns': self.patterns, 'noise': self.noise, 'allowance': self.allowance,
                'state_means': self.state_means, 'state_vars': self.state_vars}

    # Assessment ------------------------------------------------------------------------------------------------
    def assess(self, frame_c: np.ndarray) -> InstallationAssessment:
        frame = np.asarray(frame_c, np.float64)
        if frame.shape != (self.height, self.width):
            raise ValueError(f'frame is {frame.shape}, the installation was learnt at {(self.height, self.width)}')
        if not np.isfinite(frame).all():
            raise ValueError(f'frame has {int((~np.isfinite(frame)).sum())} non-finite temperatures')
        prediction, coef = self._fit(frame.ravel())
        hot_spots = self._hot_spots(frame, prediction.reshape(frame.shape))
        state_p = self._state_probabilities(coef[1:])
        anomaly = 1.0 - 0.3 ** hot_spots[0].score if hot_spots else 0.0
        probabilities = {s: float(p) * (1.0 - anomaly) for s, p in zip(self.states, state_p, strict=True)}
        probabilities[ANOMALY] = anomaly
        return InstallationAssessment(max(probabilities, key=probabilities.__getitem__), probabilities, anomaly,
                                      hot_spots)

    def _fit(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Robust fit of the normal model to one frame: prediction per pixel and coefficients (c, h)."""
        target = pixels - self.mean
        weights = np.ones_like(target)
        for _ in range(6):
            root = np.sqrt(weights)[:, None]
            coef = np.linalg.lstsq(self._design * root, target * root[:, 0], rcond=None)[0]
            residual = target - self._design @ coef
            scale = max(4.685 * 1.4826 * float(np.median(np.abs(residual))), 4.685 * self.settings.noise_floor_k)
            weights = np.clip(1.0 - (residual / scale) ** 2, 0.0, None) ** 2     # Tukey's biweight
        return self.mean + self._design @ coef, coef

    def _excess(self, frame: np.ndarray, prediction: np.ndarray) -> np.ndarray:
        """How much hotter each pixel is than the highest normal prediction within the shake (K)."""
        size = 2 * self.settings.shake_px + 1
        return frame - cv2.dilate(prediction, np.ones((size, size), np.uint8))

    def _hot_spots(self, frame: np.ndarray, prediction: np.ndarray) -> list[HotSpot]:
        s = self.settings
        threshold = np.maximum.reduce([np.full(frame.shape, s.min_excess_k),
                                       s.noise_z * self.noise.reshape(frame.shape),
                                       1.5 * self.allowance.reshape(frame.shape) + s.min_excess_k / 2])
        excess = self._excess(frame, prediction)
        score = excess / threshold
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

    def _state_probabilities(self, heat: np.ndarray) -> np.ndarray:
        log_p = -0.5 * (((heat - self.state_means) ** 2 / self.state_vars) + np.log(self.state_vars)).sum(axis=1)
        p = np.exp(log_p - log_p.max())
        return p / p.sum()

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
        if card.get('format') != FORMAT:
            raise ValueError(f'{card_path} is not an installation model card ({FORMAT})')
        with np.load(Path(card_path).parent / card['model_file']) as arrays:
            return cls({name: arrays[name] for name in arrays.files}, card)


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
    """cold / warm / hot per frame by 1-D k-means of the heat contrast, for the user to confirm or correct. Fewer
    than three states when the recording does not show three (clusters closer than 2 K are merged)."""
    contrast = heat_contrast(frames_c)
    centres = np.percentile(contrast, [5, 50, 95])
    for _ in range(50):
        nearest = np.argmin(np.abs(contrast[:, None] - centres[None]), axis=1)
        centres = np.array([contrast[nearest == i].mean() if (nearest == i).any() else centres[i] for i in range(3)])
    names = {0: 'cold', 1: 'warm', 2: 'hot'}
    if centres[1] - centres[0] < 2.0:
        names[1] = 'cold'
    if centres[2] - centres[1] < 2.0:
        names[2] = names[1] if names[1] != 'cold' else 'hot'
    return [names[int(i)] for i in nearest]


def _card(installation_id: str, states: list[str], height: int, width: int, settings: LearningSettings,
          frames: int, per_state: dict[str, int] | None = None, components: int = 0) -> dict:
    return {'format': FORMAT, 'installation_id': installation_id, 'states': states, 'alert_class': ANOMALY,
            'input': {'height': height, 'width': width}, 'settings': settings.__dict__, 'frames_learnt': frames,
            'frames_per_state': per_state or {}, 'components': components,
            'learnt_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
