"""Tests of the spectral ('fourier') synthetic concrete family."""

import cv2
from fracturescope_sim.surfaces import fourier_surface as fam
from fracturescope_sim.surfaces.frame import DEFECT_KINDS, KINDS, FrameSpec
import numpy as np
import pytest


def _thermal_label(frame, spec, kind):
    """Label mask of a kind resampled onto the thermal grid."""
    m = (frame.label_map == KINDS.index(kind)).astype(np.float32)
    return cv2.resize(m, (spec.thermal_width, spec.thermal_height), interpolation=cv2.INTER_AREA)


def test_family_and_determinism():
    spec = FrameSpec(defects=('crack', 'leak'))
    a, b, c = fam.render(7, spec), fam.render(7, spec), fam.render(8, spec)
    assert fam.FAMILY == 'fourier' and a.meta['family'] == 'fourier'
    assert a.rgb.tobytes() == b.rgb.tobytes()
    assert a.thermal_c.tobytes() == b.thermal_c.tobytes()
    assert a.label_map.tobytes() == b.label_map.tobytes()
    assert a.regions == b.regions and a.meta == b.meta
    assert a.rgb.tobytes() != c.rgb.tobytes()


@pytest.mark.parametrize('w,h,tw,th', [(48, 48, 32, 24), (256, 256, 64, 64), (320, 200, 80, 60),
                                       (1280, 720, 160, 120)])
def test_shapes_dtypes(w, h, tw, th):
    spec = FrameSpec(width=w, height=h, thermal_width=tw, thermal_height=th, defects=('corrosion',),
                     distractor_rate=2.0)
    f = fam.render(3, spec)
    assert f.rgb.shape == (h, w, 3) and f.rgb.dtype == np.uint8
    assert f.thermal_c.shape == (th, tw) and f.thermal_c.dtype == np.float32
    assert np.isfinite(f.thermal_c).all()
    assert f.label_map.shape == (h, w) and f.label_map.dtype == np.uint8
    assert {'family', 'ambient_c', 'distractors', 'misregistration_px'} <= set(f.meta)
    dx, dy = f.meta['misregistration_px']
    assert np.hypot(dx, dy) <= spec.max_misregistration_px + 1e-6


@pytest.mark.parametrize('kind', DEFECT_KINDS)
def test_every_kind_has_region(kind):
    for seed in range(3):
        f = fam.render(seed, FrameSpec(defects=(kind,), distractor_rate=1.0))
        assert len(f.regions) == 1
        r = f.regions[0]
        assert r.kind == kind and r.variant
        x0, y0, x1, y1 = r.box
        assert 0 <= x0 < x1 <= 256 and 0 <= y0 < y1 <= 256
        assert (f.label_map[y0:y1, x0:x1] == KINDS.index(kind)).any()
        assert f.frame_label == kind


def test_all_kinds_together_do_not_overlap():
    f = fam.render(5, FrameSpec(width=640, height=480, thermal_width=160, thermal_height=120,
                                defects=tuple(DEFECT_KINDS)))
    assert sorted(r.kind for r in f.regions) == sorted(DEFECT_KINDS)


def test_clean_frame_has_no_regions():
    for seed in range(3):
        f = fam.render(seed, FrameSpec(distractor_rate=3.0))
        assert f.regions == () and not f.label_map.any() and f.frame_label == 'none'


def _inside_vs_ring(f, spec, kind):
    m = _thermal_label(f, spec, kind) > 0.5
    ring = cv2.dilate(m.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    ring &= ~(cv2.dilate(m.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    return float(f.thermal_c[m].mean()), float(f.thermal_c[ring].mean())


def test_leak_is_cooler():
    spec = FrameSpec(defects=('leak',), distractor_rate=0.0, max_misregistration_px=0.0)
    diffs = [np.subtract(*_inside_vs_ring(fam.render(s, spec), spec, 'leak')) for s in range(6)]
    assert np.mean(diffs) < -0.5 and sum(d < 0 for d in diffs) >= 5


def test_hot_spot_is_far_hotter():
    spec = FrameSpec(defects=('hot_spot',), distractor_rate=0.0)
    for s in range(3):
        f = fam.render(s, spec)
        m = _thermal_label(f, spec, 'hot_spot') > 0.5
        assert f.thermal_c[m].max() > np.median(f.thermal_c[~m]) + 5.0


def test_corrosion_thermal_differs():
    spec = FrameSpec(defects=('corrosion',), distractor_rate=0.0, max_misregistration_px=0.0)
    diffs = [abs(np.subtract(*_inside_vs_ring(fam.render(s, spec), spec, 'corrosion'))) for s in range(4)]
    assert np.mean(diffs) > 0.3


def test_scale_matters():
    pix = []
    for mm in (0.2, 1.0):
        f = fam.render(11, FrameSpec(defects=('crack',), mm_per_px=mm, distractor_rate=0.0))
        r = f.regions[0]
        pix.append(((f.label_map == KINDS.index('crack')).sum(), r.box))
    assert pix[0][0] != pix[1][0] and pix[0][1] != pix[1][1]
    # 5x finer sampling of the same crack widths: many more labelled pixels
    assert pix[0][0] > 1.3 * pix[1][0]
