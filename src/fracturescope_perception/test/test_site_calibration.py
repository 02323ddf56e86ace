"""Site calibration over the shipped model: clean frames of a surface unlike the training data."""

from pathlib import Path

import cv2
from fracturescope_common.image_conversion import celsius_to_centikelvin
from fracturescope_perception.fusion.calibrate_site import main
from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception.fusion.frame_tiles import Tiling
from fracturescope_perception.fusion.pair_folder import folder_pairs
from fracturescope_perception.fusion.site_calibration import SiteCalibrationRun, SiteCalibrator, SiteThresholds
import numpy as np
import pytest

CARD = Path(__file__).resolve().parents[1] / 'models' / 'fusion' / 'fusion.card.json'


def clean_frame(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A bright, blotchy, sun-gradient surface: clean, but not what the model was trained on."""
    rng = np.random.default_rng(seed)
    blotches = cv2.resize(rng.normal(0, 25, (9, 16)), (320, 180), interpolation=cv2.INTER_CUBIC)
    rgb = np.clip(170 + blotches[..., None] + rng.normal(0, 12, (180, 320, 3)), 0, 255).astype(np.uint8)
    x = np.linspace(0, 4.0, 80, dtype=np.float32)
    thermal = (28.0 + x[None, :] + rng.normal(0, 0.1, (45, 80))).astype(np.float32)
    return rgb, thermal


def test_thresholds_hold_the_false_alarm_rate_and_only_get_stricter():
    classifier = FusionClassifier(CARD, tiling=Tiling(tile_px=90))
    calibrator = SiteCalibrator(classifier)
    for seed in range(40):
        calibrator.add(*clean_frame(seed))
    thresholds = calibrator.thresholds(0.05)
    assert thresholds.frames == 40 and thresholds.model_id == classifier.model_id
    assert thresholds.measured_after <= 0.05
    assert thresholds.anomaly_threshold >= classifier.anomaly_threshold
    assert thresholds.defect_threshold >= classifier.defect_threshold
    thresholds.apply(classifier)
    reported = [bool(classifier.detect(*clean_frame(seed)).regions) for seed in range(40)]
    assert np.mean(reported) == pytest.approx(thresholds.measured_after)


@pytest.mark.parametrize('share', [0.0, 0.25, 1.0])
def test_the_anomaly_threshold_keeps_within_its_share_of_the_budget(share):
    """The anomaly channel alone reports at most `share` of the false-alarm budget of clean frames; the defect
    threshold, set after it, takes what is left, and together they hold the budget."""
    classifier = FusionClassifier(CARD, tiling=Tiling(tile_px=90))
    calibrator = SiteCalibrator(classifier)
    for seed in range(40):
        calibrator.add(*clean_frame(seed))
    thresholds = calibrator.thresholds(0.1, anomaly_share=share)
    assert thresholds.anomaly_share == share and thresholds.measured_after <= 0.1
    assert calibrator._reported(thresholds.anomaly_threshold, 1.0) <= share * 0.1
    # the least strict anomaly threshold within the share: a little lower and it would report more
    if share > 0.0 and thresholds.anomaly_threshold > classifier.anomaly_threshold:
        assert calibrator._reported(thresholds.anomaly_threshold - 0.01, 1.0) > share * 0.1
    with pytest.raises(ValueError, match='anomaly_share'):
        calibrator.thresholds(0.1, anomaly_share=1.5)


def test_calibration_needs_enough_frames_and_the_same_model(tmp_path):
    classifier = FusionClassifier(CARD, tiling=Tiling(tile_px=90))
    calibrator = SiteCalibrator(classifier)
    calibrator.add(*clean_frame(0))
    with pytest.raises(ValueError, match='at least 20'):
        calibrator.thresholds(0.05)
    with pytest.raises(ValueError, match='at least 20'):
        SiteCalibrationRun(classifier, 5, 0.05, '')
    other = SiteThresholds('another-model@1', 0.9, 0.9, 40, 0.05, 0.5, 0.0)
    other.save(tmp_path / 'site.yaml')
    with pytest.raises(ValueError, match='recalibrate the site'):
        SiteThresholds.load(tmp_path / 'site.yaml').apply(classifier)
    (tmp_path / 'bad.yaml').write_text('hello: 1\n')
    with pytest.raises(ValueError, match='not a site calibration'):
        SiteThresholds.load(tmp_path / 'bad.yaml')


def test_a_live_run_applies_and_saves_after_its_frames(tmp_path):
    classifier = FusionClassifier(CARD, tiling=Tiling(tile_px=90))
    run = SiteCalibrationRun(classifier, 20, 0.1, str(tmp_path / 'site.yaml'))
    results = [run.add(*clean_frame(seed)) for seed in range(20)]
    assert results[:-1] == [None] * 19 and results[-1] is not None
    assert classifier.anomaly_threshold == results[-1].anomaly_threshold
    assert SiteThresholds.load(tmp_path / 'site.yaml') == results[-1]


def test_command_line_on_a_pair_folder(tmp_path, capsys):
    folder = tmp_path / 'clean'
    folder.mkdir()
    for seed in range(24):
        rgb, thermal = clean_frame(seed)
        cv2.imwrite(str(folder / f'p{seed:02d}.rgb.png'), rgb[..., ::-1])
        cv2.imwrite(str(folder / f'p{seed:02d}.thermal.png'), celsius_to_centikelvin(thermal))
    assert len(folder_pairs(folder)) == 24
    out = tmp_path / 'site.yaml'
    assert main(['--pairs', str(folder), '--out', str(out), '--model-card', str(CARD), '--tile-size-px', '90']) == 0
    assert SiteThresholds.load(out).frames == 24
    assert 'clean frames (0 refused)' in capsys.readouterr().out
    (folder / 'p00.thermal.png').unlink()
    assert main(['--pairs', str(folder), '--out', str(out), '--model-card', str(CARD)]) == 1
    assert 'no p00.thermal.png' in capsys.readouterr().err
