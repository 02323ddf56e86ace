"""The aggregate surface family: contract, determinism, labels, thermal physics and scale."""

from dataclasses import replace

import cv2
from fracturescope_sim.surfaces import aggregate_surface as agg
from fracturescope_sim.surfaces.frame import DEFECT_KINDS, KINDS, FrameSpec
import numpy as np
import pytest

SMALL = FrameSpec(width=256, height=256, thermal_width=64, thermal_height=64)


def _thermal_masks(frame, kind):
    """The defect's pixels on the thermal grid, and a ring of clean surface around them."""
    th, tw = frame.thermal_c.shape
    lab = (frame.label_map == KINDS.index(kind)).astype(np.float32)
    frac = cv2.resize(lab, (tw, th), interpolation=cv2.INTER_AREA)
    inside = frac > 0.5
    near = cv2.dilate((frac > 0.02).astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2) > 0
    far = cv2.dilate(near.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=3) > 0
    ring = far & ~near
    return inside, ring


def test_family_name():
    assert agg.FAMILY == 'aggregate'
    assert agg.render(1, SMALL).meta['family'] == 'aggregate'


def test_deterministic_bytes():
    spec = replace(SMALL, defects=('crack', 'leak', 'vegetation'), distractor_rate=2.0)
    a, b = agg.render(11, spec), agg.render(11, spec)
    assert a.rgb.tobytes() == b.rgb.tobytes()
    assert a.thermal_c.tobytes() == b.thermal_c.tobytes()
    assert a.label_map.tobytes() == b.label_map.tobytes()
    assert a.regions == b.regions
    assert a.meta == b.meta
    c = agg.render(12, spec)
    assert a.rgb.tobytes() != c.rgb.tobytes()
    assert a.thermal_c.tobytes() != c.thermal_c.tobytes()


@pytest.mark.parametrize('w,h,tw,th', [(48, 48, 32, 24), (256, 256, 64, 64), (1280, 720, 160, 120),
                                       (333, 197, 40, 30)])
def test_shapes_dtypes_finite(w, h, tw, th):
    spec = FrameSpec(width=w, height=h, thermal_width=tw, thermal_height=th, defects=('crack', 'hot_spot'),
                     distractor_rate=1.0)
    f = agg.render(5, spec)
    assert f.rgb.shape == (h, w, 3) and f.rgb.dtype == np.uint8
    assert f.thermal_c.shape == (th, tw) and f.thermal_c.dtype == np.float32
    assert np.isfinite(f.thermal_c).all()
    assert f.label_map.shape == (h, w) and f.label_map.dtype == np.uint8
    assert f.label_map.max() < len(KINDS)
    dx, dy = f.meta['misregistration_px']
    assert np.hypot(dx, dy) <= spec.max_misregistration_px + 1e-6
    assert 0.0 <= f.meta['ambient_c'] <= 45.0


@pytest.mark.parametrize('kind', DEFECT_KINDS)
def test_every_kind_renders_a_labelled_region(kind):
    for seed in range(3):
        spec = replace(SMALL, defects=(kind,), mm_per_px=(0.25, 0.6, 1.4)[seed])
        f = agg.render(100 + seed, spec)
        assert len(f.regions) == 1
        r = f.regions[0]
        assert r.kind == kind and r.variant
        x0, y0, x1, y1 = r.box
        assert 0 <= x0 < x1 <= spec.width and 0 <= y0 < y1 <= spec.height
        inside = f.label_map[y0:y1, x0:x1] == KINDS.index(kind)
        assert inside.any()
        assert (f.label_map == KINDS.index(kind)).sum() == inside.sum()   # nothing labelled outside the box
        assert f.frame_label == kind


def test_all_kinds_together_do_not_overlap_even_small():
    for w, h in ((48, 48), (256, 256)):
        spec = FrameSpec(width=w, height=h, thermal_width=32, thermal_height=24, defects=DEFECT_KINDS)
        f = agg.render(3, spec)
        assert {r.kind for r in f.regions} == set(DEFECT_KINDS)
        occupied = np.zeros((h, w), np.int32)
        for r in f.regions:
            x0, y0, x1, y1 = r.box
            occupied[y0:y1, x0:x1] += 1
        assert occupied.max() == 1


def test_thin_labels_are_at_least_three_pixels_wide():
    spec = replace(SMALL, defects=('crack',), mm_per_px=1.5)
    for seed in range(4):
        f = agg.render(seed, spec)
        m = (f.label_map == KINDS.index('crack')).astype(np.uint8)
        # opening with a 3x3 square keeps (most of) a band at least 3 px wide
        assert cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).sum() > 0.5 * m.sum()


def test_clean_frame_has_no_regions():
    for seed in range(4):
        f = agg.render(seed, replace(SMALL, distractor_rate=3.0))
        assert f.regions == ()
        assert not f.label_map.any()
        assert f.frame_label == 'none'
        assert isinstance(f.meta['distractors'], list)


def test_leak_is_cooler_than_surroundings():
    diffs = []
    for seed in range(8):
        spec = replace(SMALL, defects=('leak',), distractor_rate=0.0, max_misregistration_px=0.0)
        f = agg.render(200 + seed, spec)
        inside, ring = _thermal_masks(f, 'leak')
        assert inside.any() and ring.any()
        diffs.append(f.thermal_c[inside].mean() - f.thermal_c[ring].mean())
    assert np.mean(diffs) < -0.7
    assert sum(d < 0 for d in diffs) >= 7


def test_hot_spot_is_far_hotter():
    for seed in range(5):
        spec = replace(SMALL, defects=('hot_spot',), distractor_rate=0.0, max_misregistration_px=0.0)
        f = agg.render(300 + seed, spec)
        inside, ring = _thermal_masks(f, 'hot_spot')
        assert f.thermal_c[inside].max() - np.median(f.thermal_c[ring]) > 5.0


def test_corrosion_changes_the_thermal_image():
    diffs = []
    for seed in range(8):
        spec = replace(SMALL, defects=('corrosion',), distractor_rate=0.0, max_misregistration_px=0.0)
        f = agg.render(400 + seed, spec)
        inside, ring = _thermal_masks(f, 'corrosion')
        if inside.any() and ring.any():
            diffs.append(abs(f.thermal_c[inside].mean() - f.thermal_c[ring].mean()))
    assert len(diffs) >= 6
    assert np.mean(diffs) > 0.3


def test_scale_matters_for_cracks():
    changed = 0
    for seed in range(6):
        fine = agg.render(seed, replace(SMALL, defects=('crack',), mm_per_px=0.2))
        coarse = agg.render(seed, replace(SMALL, defects=('crack',), mm_per_px=1.0))
        wf, wc = fine.meta['defects'][0]['width_px'], coarse.meta['defects'][0]['width_px']
        assert wf == pytest.approx(5 * wc, rel=0.01)
        bf, bc = fine.regions[0].box, coarse.regions[0].box
        area_f = (fine.label_map == KINDS.index('crack')).sum()
        area_c = (coarse.label_map == KINDS.index('crack')).sum()
        if bf[2] - bf[0] != bc[2] - bc[0] or abs(area_f - area_c) > 0.2 * max(area_f, area_c):
            changed += 1
    assert changed >= 5
