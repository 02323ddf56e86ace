from fracturescope_perception.fusion.frame_tiles import FrameTiler, PairError, ThermalBackground, Tiling
from fracturescope_perception.fusion.registration import Registration, pixel_scale
import numpy as np
import pytest

LOCAL = ThermalBackground('local_median', 4, 9)


def _pair(width=640, height=360, thermal=(160, 90)):
    rng = np.random.default_rng(0)
    rgb = rng.integers(90, 140, (height, width, 3), dtype=np.uint8)
    y, x = np.mgrid[0:thermal[1], 0:thermal[0]].astype(np.float32)
    t = (25.0 + 0.05 * x).astype(np.float32)         # scene gradient
    return rgb, t


def test_bad_pairs_are_refused_with_a_reason():
    tiler = FrameTiler(64, LOCAL, Tiling(tile_px=128))
    rgb, t = _pair()
    cases = {'nan_temperature': (rgb, np.where(np.arange(t.size).reshape(t.shape) == 7, np.nan, t)),
             'size_mismatch': (rgb, np.zeros((120, 160), np.float32)),      # 4:3 thermal, 16:9 RGB, uncalibrated
             'empty_image': (np.zeros((0, 640, 3), np.uint8), t)}
    for reason, (r, th) in cases.items():
        with pytest.raises(PairError) as caught:
            tiler.tiles(r, th)
        assert caught.value.reason == reason, reason


def test_tiles_cover_the_frame_in_rgb_pixels_with_the_background_removed():
    rgb, t = _pair()
    t[40:46, 60:66] -= 3.0                            # a cold spot
    batch = FrameTiler(64, LOCAL, Tiling(tile_px=128, overlap=0.25)).tiles(rgb, t)
    assert batch.rgb.shape[1:] == (64, 64, 3) and batch.thermal_contrast_k.shape[1:] == (64, 64)
    assert batch.seen_box == (0, 0, 640, 360) and batch.view_seen == 1.0
    covered = np.zeros((360, 640), bool)
    for x0, y0, x1, y1 in batch.boxes:
        covered[y0:y1, x0:x1] = True
        assert x1 - x0 == 128 and y1 - y0 == 128
    assert covered.all()
    assert np.abs(batch.thermal_contrast_k).max() < 3.5 and batch.thermal_contrast_k.min() < -2.0
    clean = [i for i, (x0, _, x1, _) in enumerate(batch.boxes) if x0 >= 400]
    assert np.abs(batch.thermal_contrast_k[clean]).max() < 0.3   # the 8 K gradient is gone


def test_whole_frame_mode_and_frame_median_match_one_resized_input():
    rgb, t = _pair(64, 64, (16, 16))
    batch = FrameTiler(64, ThermalBackground(), Tiling(tile_px=0)).tiles(rgb, t)
    assert batch.rgb.shape == (1, 64, 64, 3) and np.array_equal(batch.rgb[0], rgb)
    assert abs(float(np.median(batch.thermal_contrast_k[0]))) < 1e-5


def test_a_registered_thermal_camera_with_another_view_is_used_where_it_overlaps():
    rgb = np.full((720, 1280, 3), 120, np.uint8)
    thermal = np.full((120, 160), 20.0, np.float32)
    # the thermal camera (4:3) sees the middle 960 x 720 of the 16:9 RGB view
    h = pixel_scale((160, 120), (960, 720))
    h[0, 2] += 160.0
    registration = Registration(h, (1280, 720), (160, 120))
    batch = FrameTiler(64, LOCAL, Tiling(tile_px=160), registration).tiles(rgb, thermal)
    assert batch.seen_box[0] in range(155, 166) and batch.seen_box[2] in range(1115, 1126)
    assert 0.7 < batch.view_seen < 0.8
    assert batch.boxes[:, 0].min() >= 150 and batch.boxes[:, 2].max() <= 1130
    far = Registration(h + np.array([[0, 0, 5000.0], [0, 0, 0], [0, 0, 0]]), (1280, 720), (160, 120))
    with pytest.raises(PairError) as caught:
        FrameTiler(64, LOCAL, Tiling(tile_px=160), far).tiles(rgb, thermal)
    assert caught.value.reason == 'no_overlap'
