"""The spectral surface family: contract, determinism, labels, physics of the thermal channel, scale."""

import importlib
import pathlib

import cv2
from fracturescope_sim.surfaces import frame
from fracturescope_sim.surfaces.frame import DEFECT_KINDS, KINDS, FrameSpec
import numpy as np
import pytest

try:
    from fracturescope_sim.surfaces import spectral_surface as fam
except ImportError:   # an install built before this module existed: load it from the source tree next to this test
    import fracturescope_sim.surfaces as _pkg

    _pkg.__path__.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / 'fracturescope_sim' / 'surfaces'))
    fam = importlib.import_module('fracturescope_sim.surfaces.spectral_surface')

SMALL = FrameSpec(width=160, height=128, thermal_width=80, thermal_height=64, mm_per_px=0.5, distractor_rate=1.0)


def spec(**kw):
    base = dict(width=160, height=128, thermal_width=80, thermal_height=64, mm_per_px=0.5, distractor_rate=1.0)
    base.update(kw)
    return FrameSpec(**base)


def test_family_and_contract_types():
    assert fam.FAMILY == 'spectral'
    f = fam.render(1, spec(defects=('crack',)))
    assert isinstance(f, frame.SyntheticFrame)
    assert f.meta['family'] == 'spectral'
    for key in ('ambient_c', 'distractors', 'misregistration_px'):
        assert key in f.meta


def test_determinism_same_bytes_and_other_seed_differs():
    s = spec(defects=('crack', 'leak', 'foreign_object'), distractor_rate=2.0)
    a, b = fam.render(7, s), fam.render(7, s)
    assert a.rgb.tobytes() == b.rgb.tobytes()
    assert a.thermal_c.tobytes() == b.thermal_c.tobytes()
    assert a.label_map.tobytes() == b.label_map.tobytes()
    assert a.regions == b.regions and a.meta == b.meta
    c = fam.render(8, s)
    assert a.rgb.tobytes() != c.rgb.tobytes()
    assert a.thermal_c.tobytes() != c.thermal_c.tobytes()


@pytest.mark.parametrize('w,h,tw,th', [(48, 48, 32, 24), (256, 256, 64, 64), (97, 61, 40, 30),
                                       (1280, 720, 160, 120), (64, 80, 640, 512)])
def test_shapes_dtypes_finite(w, h, tw, th):
    f = fam.render(3, FrameSpec(width=w, height=h, thermal_width=tw, thermal_height=th, defects=DEFECT_KINDS,
                                mm_per_px=0.6))
    assert f.rgb.shape == (h, w, 3) and f.rgb.dtype == np.uint8
    assert f.thermal_c.shape == (th, tw) and f.thermal_c.dtype == np.float32
    assert np.isfinite(f.thermal_c).all()
    assert f.label_map.shape == (h, w) and f.label_map.dtype == np.uint8
    assert int(f.label_map.max()) < len(KINDS)
    for r in f.regions:
        x0, y0, x1, y1 = r.box
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h


@pytest.mark.parametrize('kind', DEFECT_KINDS)
def test_every_kind_renders_its_region(kind):
    for seed in range(4):
        f = fam.render(seed, spec(defects=(kind,), mm_per_px=[0.2, 0.5, 1.0, 1.5][seed]))
        assert [r.kind for r in f.regions] == [kind]
        x0, y0, x1, y1 = f.regions[0].box
        inside = f.label_map[y0:y1, x0:x1] == KINDS.index(kind)
        assert inside.any() and f.regions[0].variant
        # The box is the label's extent; no other kind is labelled.
        assert (f.label_map > 0).sum() == inside.sum()
        assert set(np.unique(f.label_map)) <= {0, KINDS.index(kind)}


def test_all_kinds_in_one_small_frame_do_not_overlap():
    f = fam.render(11, FrameSpec(width=48, height=48, thermal_width=32, thermal_height=24, defects=DEFECT_KINDS))
    assert sorted(r.kind for r in f.regions) == sorted(DEFECT_KINDS)
    for i, a in enumerate(f.regions):
        for b in f.regions[i + 1:]:
            assert a.box[2] <= b.box[0] or b.box[2] <= a.box[0] or a.box[3] <= b.box[1] or b.box[3] <= a.box[1]


def test_clean_frame_has_no_regions_but_distractors():
    names = set()
    for seed in range(6):
        f = fam.render(seed, spec(distractor_rate=3.0))
        assert f.regions == () and not f.label_map.any() and f.frame_label == 'none'
        names.update(f.meta['distractors'])
    assert len(names) >= 4


def test_ambient_and_misregistration_recorded():
    f = fam.render(5, spec(ambient_c=12.5, max_misregistration_px=1.5))
    assert f.meta['ambient_c'] == 12.5
    dx, dy = f.meta['misregistration_px']
    assert np.hypot(dx, dy) <= 1.5 + 1e-9
    f0 = fam.render(5, spec(max_misregistration_px=0.0))
    assert f0.meta['misregistration_px'] == (0.0, 0.0)


def test_unknown_kind_rejected():
    with pytest.raises(ValueError):
        fam.render(0, spec(defects=('graffiti',)))


def _inside_and_ring(f, kind, ring_px=6):
    """Thermal pixels fully inside the kind's label and a ring of clean pixels around it (thermal grid)."""
    th, tw = f.thermal_c.shape
    lab = (f.label_map == KINDS.index(kind)).astype(np.float32)
    frac = cv2.resize(lab, (tw, th), interpolation=cv2.INTER_AREA)
    inside = frac > 0.8
    near = cv2.dilate((frac > 0).astype(np.uint8), np.ones((2 * ring_px + 1,) * 2, np.uint8)) > 0
    clean = cv2.resize((f.label_map == 0).astype(np.float32), (tw, th), interpolation=cv2.INTER_AREA) > 0.999
    ring = near & clean & ~(frac > 0)
    return inside, ring


def _contrast(kind, seeds, **kw):
    out = []
    for seed in seeds:
        f = fam.render(seed, spec(defects=(kind,), distractor_rate=0.0, max_misregistration_px=0.0, **kw))
        inside, ring = _inside_and_ring(f, kind)
        if inside.sum() >= 3 and ring.sum() >= 3:
            out.append(float(f.thermal_c[inside].mean() - f.thermal_c[ring].mean()))
    assert len(out) >= len(seeds) // 2
    return np.array(out)


def test_leak_is_cooler_than_the_surface_around_it():
    d = _contrast('leak', range(12))
    assert d.mean() < -0.7
    assert (d < 0).mean() >= 0.9


def test_hot_spot_is_far_hotter():
    for seed in range(6):
        f = fam.render(seed, spec(defects=('hot_spot',), distractor_rate=0.0, max_misregistration_px=0.0))
        inside, ring = _inside_and_ring(f, 'hot_spot')
        assert f.thermal_c[inside].max() - np.median(f.thermal_c[ring]) > 5.0


def test_corrosion_thermal_differs_from_clean_surface():
    d = _contrast('corrosion', range(12))
    assert np.abs(d).mean() > 0.3
    assert (np.abs(d) > 0.1).mean() >= 0.75


def test_vegetation_cooler_and_unseen_objects_differ():
    assert _contrast('vegetation', range(10)).mean() < -0.2
    assert np.abs(_contrast('foreign_object', range(8))).mean() > 1.0
    assert np.abs(_contrast('exposed_rebar', range(8))).mean() > 0.5


def test_scale_matters_for_cracks():
    wide, narrow = [], []
    for seed in range(5):
        a = fam.render(seed, spec(width=256, height=256, defects=('crack',), mm_per_px=0.2))
        b = fam.render(seed, spec(width=256, height=256, defects=('crack',), mm_per_px=1.0))
        (ra,), (rb,) = a.regions, b.regions
        wa, wb = ra.box[2] - ra.box[0], rb.box[2] - rb.box[0]
        assert (wa, ra.box[3] - ra.box[1]) != (wb, rb.box[3] - rb.box[1])
        wide.append((a.label_map > 0).sum() / max(wa, ra.box[3] - ra.box[1]))
        narrow.append((b.label_map > 0).sum() / max(wb, rb.box[3] - rb.box[1]))
    # At 0.2 mm/px the same crack covers more pixels across than at 1.0 mm/px.
    assert np.mean(wide) > 1.5 * np.mean(narrow)


def test_spectral_noise_is_specified_in_millimetres():
    # The texture synthesiser: features of a given size in mm span more pixels at a finer scale, and a band finer
    # than a pixel keeps only the variance a pixel would integrate.
    def lag_corr(a, lag):
        a = a - a.mean()
        return float((a[:, lag:] * a[:, :-lag]).mean() / a.var())

    rng = np.random.default_rng(0)
    fine, _ = fam._noise(rng, (128, 128), 0.1, 1.0, 5.0, 1.0)
    coarse, _ = fam._noise(rng, (128, 128), 1.0, 1.0, 5.0, 1.0)
    assert lag_corr(fine, 4) > 0.5 > lag_corr(coarse, 4)
    sub, _ = fam._noise(rng, (128, 128), 2.0, 1.0, 1.0, 0.2)
    assert sub.std() < 0.5 * fine.std()
