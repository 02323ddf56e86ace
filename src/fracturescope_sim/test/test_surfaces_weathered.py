"""The 'weathered' surface family: contract, determinism, labels, thermal physics and scale."""

import math

import cv2
from fracturescope_sim.surfaces.frame import DEFECT_KINDS, KINDS, FrameSpec
from fracturescope_sim.surfaces.weathered_surface import FAMILY, render
import numpy as np
import pytest

SPEC = FrameSpec(width=256, height=192, thermal_width=64, thermal_height=48, mm_per_px=0.5, distractor_rate=1.0)


def spec_with(**kw):
    base = dict(width=SPEC.width, height=SPEC.height, thermal_width=SPEC.thermal_width,
                thermal_height=SPEC.thermal_height, mm_per_px=SPEC.mm_per_px, distractor_rate=SPEC.distractor_rate)
    base.update(kw)
    return FrameSpec(**base)


def thermal_masks(frame, kind):
    """The defect's label and the clean ring around its box, on the thermal grid."""
    th, tw = frame.thermal_c.shape
    lab = frame.label_map
    idx = KINDS.index(kind)
    inside = cv2.resize((lab == idx).astype(np.float32), (tw, th), interpolation=cv2.INTER_AREA) > 0.6
    region = next(r for r in frame.regions if r.kind == kind)
    x0, y0, x1, y1 = region.box
    pad = max(x1 - x0, y1 - y0) // 2 + 4
    ring = np.zeros(lab.shape, np.uint8)
    ring[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad] = 1
    ring[y0:y1, x0:x1] = 0
    ring &= (lab == 0)
    around = cv2.resize(ring.astype(np.float32), (tw, th), interpolation=cv2.INTER_AREA) > 0.99
    return inside, around


def test_deterministic_and_seed_dependent():
    spec = spec_with(defects=('crack', 'leak', 'hot_spot'))
    a, b, c = render(7, spec), render(7, spec), render(8, spec)
    assert a.rgb.tobytes() == b.rgb.tobytes()
    assert a.thermal_c.tobytes() == b.thermal_c.tobytes()
    assert a.label_map.tobytes() == b.label_map.tobytes()
    assert a.regions == b.regions and a.meta == b.meta
    assert a.rgb.tobytes() != c.rgb.tobytes()
    assert a.thermal_c.tobytes() != c.thermal_c.tobytes()


@pytest.mark.parametrize('w,h,tw,th', [(48, 48, 32, 24), (256, 256, 64, 64), (1280, 720, 160, 120),
                                       (97, 61, 80, 60), (320, 240, 640, 512)])
def test_shapes_dtypes_and_finite(w, h, tw, th):
    spec = FrameSpec(width=w, height=h, thermal_width=tw, thermal_height=th, defects=('corrosion', 'vegetation'),
                     mm_per_px=0.8, distractor_rate=2.0, max_misregistration_px=1.5)
    f = render(3, spec)
    assert f.rgb.shape == (h, w, 3) and f.rgb.dtype == np.uint8
    assert f.thermal_c.shape == (th, tw) and f.thermal_c.dtype == np.float32
    assert f.label_map.shape == (h, w) and f.label_map.dtype == np.uint8
    assert np.isfinite(f.thermal_c).all()
    assert -60.0 < float(f.thermal_c.min()) and float(f.thermal_c.max()) < 200.0
    assert f.meta['family'] == FAMILY
    dx, dy = f.meta['misregistration_px']
    assert math.hypot(dx, dy) <= 1.5 + 1e-6
    assert isinstance(f.meta['distractors'], list)


@pytest.mark.parametrize('kind', DEFECT_KINDS)
def test_every_kind_renders_a_labelled_region(kind):
    for seed in range(3):
        f = render(100 + seed, spec_with(defects=(kind,), mm_per_px=[0.2, 0.6, 1.4][seed]))
        assert [r.kind for r in f.regions] == [kind]
        x0, y0, x1, y1 = f.regions[0].box
        assert 0 <= x0 < x1 <= f.label_map.shape[1] and 0 <= y0 < y1 <= f.label_map.shape[0]
        inside = f.label_map[y0:y1, x0:x1] == KINDS.index(kind)
        assert inside.any() and inside.sum() == (f.label_map == KINDS.index(kind)).sum()
        assert f.regions[0].variant
        assert f.frame_label == kind


def test_several_defects_do_not_overlap():
    f = render(5, spec_with(width=640, height=480, defects=DEFECT_KINDS, mm_per_px=1.0))
    assert len(f.regions) >= 5
    boxes = [r.box for r in f.regions]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_clean_frame_has_no_regions():
    for seed in range(4):
        f = render(seed, spec_with(distractor_rate=3.0))
        assert f.regions == () and not f.label_map.any() and f.frame_label == 'none'


def test_ambient_from_spec():
    f = render(1, spec_with(ambient_c=-3.5))
    assert f.meta['ambient_c'] == pytest.approx(-3.5)
    assert 0.0 <= render(1, SPEC).meta['ambient_c'] <= 45.0


def test_leak_is_cooler_than_clean_surface():
    for seed in range(6):
        f = render(200 + seed, spec_with(defects=('leak',), max_misregistration_px=0.5, distractor_rate=0.0))
        inside, around = thermal_masks(f, 'leak')
        assert inside.sum() >= 3 and around.sum() >= 3
        assert f.thermal_c[inside].mean() < f.thermal_c[around].mean() - 0.3, seed


def test_hot_spot_is_far_hotter():
    for seed in range(4):
        f = render(300 + seed, spec_with(defects=('hot_spot',), max_misregistration_px=0.5, distractor_rate=0.0))
        inside, around = thermal_masks(f, 'hot_spot')
        assert f.thermal_c[inside].max() > np.median(f.thermal_c[around]) + 5.0, seed


def test_corrosion_differs_thermally():
    for seed in range(6):
        f = render(400 + seed, spec_with(defects=('corrosion',), max_misregistration_px=0.5, distractor_rate=0.0))
        inside, around = thermal_masks(f, 'corrosion')
        assert abs(f.thermal_c[inside].mean() - f.thermal_c[around].mean()) > 0.3, seed


def test_scale_changes_crack_width_in_pixels():
    widths = {}
    for mpp in (0.2, 1.0):
        ws = []
        for seed in range(8):
            f = render(500 + seed, spec_with(width=384, height=384, defects=('crack',), mm_per_px=mpp))
            r = f.regions[0]
            area = float((f.label_map == KINDS.index('crack')).sum())
            x0, y0, x1, y1 = r.box
            ws.append(area / math.hypot(x1 - x0, y1 - y0))     # label area per unit of crack extent
        widths[mpp] = float(np.mean(ws))
    assert widths[0.2] > 1.5 * widths[1.0]
    boxes = [render(600, spec_with(width=512, height=512, defects=('crack',), mm_per_px=m)).regions[0].box
             for m in (0.2, 1.0)]
    assert boxes[0] != boxes[1]
