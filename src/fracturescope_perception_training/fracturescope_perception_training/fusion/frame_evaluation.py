"""The detector on whole synthesized camera frames (0-3 defects of any size, distractors, another thermal
resolution), scored against the frames' truth (fracturescope_sim.surfaces.scoring): frame recall and false frames,
region recall and precision, latency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import time

from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception.fusion.frame_tiles import Tiling
from fracturescope_perception.fusion.region_matching import score_frame, summarise
from fracturescope_perception.fusion.registration import Registration, pixel_scale
from fracturescope_perception.fusion.site_calibration import SiteCalibrator
from fracturescope_sim.surfaces import renderer
from fracturescope_sim.surfaces.frame import DEFECT_KINDS, UNSEEN_TYPES, FrameSpec
import numpy as np


@dataclass(frozen=True)
class FrameSetConfig:
    width: int = 1280
    height: int = 720
    thermal_width: int = 160
    thermal_height: int = 120
    mm_per_px: tuple[float, float] = (0.3, 0.8)   # log-uniform [mm / px]
    clean_share: float = 0.4                      # frames with no defect [0..1]
    unseen_share: float = 0.1                     # frames whose defect is an unseen type [0..1]
    max_defects: int = 3
    tile_px: int = 128                            # detector tiles: 0.6-1.6 mm per network pixel, as in training [px]
    tile_overlap: float = 0.5                     # as config/perception.yaml [0..0.9]
    min_region_tiles: int = 2                     # as config/perception.yaml [count]
    dense: bool = True                            # as config/perception.yaml (dense_inference)

    def tiling(self) -> Tiling:
        return Tiling(self.tile_px, self.tile_overlap, min_region_tiles=self.min_region_tiles, dense=self.dense)

    def registration(self) -> Registration:
        """The families render thermal with the RGB view at another resolution (a 4:3 image of a 16:9 view is
        stretched): the registration is the pixel scale between the two."""
        rgb, thermal = (self.width, self.height), (self.thermal_width, self.thermal_height)
        return Registration(pixel_scale(thermal, rgb), rgb, thermal)


def frame_specs(count: int, seed: int, config: FrameSetConfig) -> list[tuple[int, FrameSpec]]:
    rng = np.random.default_rng(seed)
    known = [k for k in DEFECT_KINDS if k not in UNSEEN_TYPES]
    specs = []
    for _ in range(count):
        if rng.random() < config.clean_share:
            defects: tuple[str, ...] = ()
        elif rng.random() < config.unseen_share / (1 - config.clean_share):
            defects = (str(rng.choice(UNSEEN_TYPES)),)
        else:
            n = int(rng.integers(1, config.max_defects + 1))
            defects = tuple(str(k) for k in rng.choice(known, size=n, replace=False))
        mm = float(np.exp(rng.uniform(*np.log(config.mm_per_px))))
        specs.append((int(rng.integers(2**31)), FrameSpec(config.width, config.height, config.thermal_width,
                                                           config.thermal_height, defects, mm, 1.5)))
    return specs


def evaluate_frames(classifier: FusionClassifier, family: str, count: int, seed: int,
                    config: FrameSetConfig = FrameSetConfig()) -> dict:
    render = renderer(family)
    rows, latency_ms = [], []
    for frame_seed, spec in frame_specs(count, seed, config):
        frame = render(frame_seed, spec)
        start = time.perf_counter()
        detection = classifier.detect(frame.rgb, frame.thermal_c)
        latency_ms.append((time.perf_counter() - start) * 1e3)
        rows.append(score_frame([(r.kind, r.box) for r in frame.regions],
                                [(r.label, r.box) for r in detection.regions], UNSEEN_TYPES))
    return {'family': family, **summarise(rows),
            'latency_ms_p50': float(np.median(latency_ms)), 'latency_ms_p95': float(np.percentile(latency_ms, 95)),
            'frame_size': [config.width, config.height], 'thermal_size': [config.thermal_width, config.thermal_height]}


def site_calibration_figures(classifier: FusionClassifier, family: str, calibration_frames: int, frames: int,
                             seed: int, config: FrameSetConfig = FrameSetConfig(), false_alarm_rate: float = 0.05
                             ) -> dict:
    """False frames of a family before and after calibrating the site on other clean frames of it, and what the
    calibration costs in frame and region recall."""
    render = renderer(family)
    calibrator = SiteCalibrator(classifier)
    for frame_seed, spec in frame_specs(calibration_frames, seed, replace(config, clean_share=1.0)):
        frame = render(frame_seed, spec)
        calibrator.add(frame.rgb, frame.thermal_c)
    before = evaluate_frames(classifier, family, frames, seed + 1, config)
    thresholds = calibrator.thresholds(false_alarm_rate)
    card_thresholds = classifier.anomaly_threshold, classifier.defect_threshold
    thresholds.apply(classifier)
    try:
        after = evaluate_frames(classifier, family, frames, seed + 1, config)
    finally:
        classifier.set_thresholds(*card_thresholds)
    keys = ('frame_recall', 'false_frames', 'region_recall', 'region_precision')
    return {'calibration_frames': calibration_frames, 'target_false_alarm_rate': false_alarm_rate,
            'anomaly_threshold': thresholds.anomaly_threshold, 'defect_threshold': thresholds.defect_threshold,
            'before': {k: before[k] for k in keys}, 'after': {k: after[k] for k in keys}}
