"""Simulated surface camera: deterministic whole frames, class mix as configured, regions, each fault as described."""

from fracturescope_sim.surface_camera import FAULTS, SurfaceCamera, SurfaceCameraConfig
from fracturescope_sim.surfaces.frame import CLASSES, UNSEEN_TYPES
import numpy as np
import pytest


def _camera(**overrides) -> SurfaceCamera:
    settings = dict(seed=5, class_weights={'crack': 1.0, 'corrosion': 1.0, 'leak': 1.0, 'none': 3.0},
                    unseen_fraction=0.1, fault_fraction=0.0, family='aggregate', width=96, height=64,
                    thermal_width=48, thermal_height=32, mm_per_px=1.0)
    settings.update(overrides)
    return SurfaceCamera(SurfaceCameraConfig(**settings))


def test_a_frame_is_a_function_of_seed_and_index() -> None:
    a, b = _camera().frame(17), _camera().frame(17)
    assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.thermal, b.thermal) and a.label == b.label
    assert not np.array_equal(_camera(seed=6).frame(17).rgb, a.rgb)


def test_class_mix_follows_the_weights() -> None:
    camera = _camera(unseen_fraction=0.2)
    frames = [camera.frame(i) for i in range(300)]
    labels = [f.label for f in frames]
    assert all(label in CLASSES + UNSEEN_TYPES for label in labels)
    unseen = np.mean([f.unseen for f in frames])
    assert 0.12 < unseen < 0.28
    assert all((f.label in UNSEEN_TYPES) == f.unseen for f in frames)
    seen = [f.label for f in frames if not f.unseen]
    assert 0.38 < seen.count('none') / len(seen) < 0.7   # a requested defect may stay out of view


def test_clean_frames_are_valid_pairs() -> None:
    frame = _camera().frame(3)
    assert frame.fault == '' and frame.rgb_encoding == 'rgb8'
    assert frame.rgb.dtype == np.uint8 and frame.rgb.shape[2] == 3
    assert frame.thermal.shape == (32, 48) and np.isfinite(frame.thermal).all()


def test_defect_frames_carry_their_regions() -> None:
    camera = _camera(unseen_fraction=0.0)
    frames = [camera.frame(i) for i in range(40)]
    with_defects = [f for f in frames if f.label != 'none']
    assert with_defects and all(f.regions for f in with_defects)
    assert all(not f.regions for f in frames if f.label == 'none')
    for f in with_defects:
        assert f.label in {r.kind for r in f.regions}
        for r in f.regions:
            x0, y0, x1, y1 = r.box
            assert 0 <= x0 < x1 <= 96 and 0 <= y0 < y1 <= 64


def test_every_fault_appears_and_looks_as_named() -> None:
    camera = _camera(fault_fraction=1.0)
    seen = {}
    for i in range(60):
        frame = camera.frame(i)
        seen.setdefault(frame.fault, frame)
    assert set(seen) == set(FAULTS)
    assert np.isnan(seen['nan_temperature'].thermal).any()
    assert seen['wrong_encoding'].rgb_encoding not in ('rgb8', 'bgr8', 'mono8')
    mismatch = seen['size_mismatch']
    assert mismatch.thermal.shape[1] / mismatch.thermal.shape[0] != mismatch.rgb.shape[1] / mismatch.rgb.shape[0]
    assert seen['empty_image'].rgb.size == 0
    assert seen['missing_thermal'].thermal is None


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match='class_weights'):
        _camera(class_weights={'crack': 1.0})
    with pytest.raises(ValueError, match='fault_fraction'):
        _camera(fault_fraction=1.5)
