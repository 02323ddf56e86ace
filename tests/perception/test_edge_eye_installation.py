"""Installing Edge-Eye on a new camera (fracturescope-edge-eye-install): the geometry found from frames of the empty
line on simulated cameras with the bars elsewhere, tilted bars and a rolled camera, and the tracker measuring with it
as well as on the default camera."""

import dataclasses
import math
from pathlib import Path

import cv2
from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_perception.edge_eye import settings
from fracturescope_perception.edge_eye.calibration import calibrate
from fracturescope_perception.edge_eye.distortion_correction import Calibration
from fracturescope_perception.edge_eye.installation import (
    InstallationError,
    configured_text,
    install,
    scale_from_target,
    summary,
)
from fracturescope_perception.edge_eye.installation_cli import main
from fracturescope_perception.edge_eye.super_resolution import make_upsampler
from fracturescope_perception.edge_eye.tracker import EdgeEyeTracker, Status
from fracturescope_perception.nodes.edge_tracker import EdgeTrackerNode
from fracturescope_perception.nodes.edge_tracker_parameters import PARAMETERS
from fracturescope_sim.camera_installations import CameraInstallation
from fracturescope_sim.chessboard import chessboard_views, render_chessboard
from fracturescope_sim.edge_trajectory import constant, named, with_empty
from fracturescope_sim.furnace_scene import SceneLayout
from fracturescope_sim.lens_distortion import LensModel
from fracturescope_sim.line_camera import DEFAULT_LENS, LineCamera, LineCameraConfig
import numpy as np
import pytest
import rclpy
import yaml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = read_node_parameters(ROOT / 'config' / 'edge_eye.yaml', 'edge_tracker')
OTHER_LENS = LensModel(width=1920, height=1080, focal_px=1180.0, cx=951.0, cy=547.0, k1=-0.17, k2=0.045,
                       p1=-0.0011, p2=0.0007)
# (layout, roll): bars at other heights and thicknesses; tilted bars; a rolled camera (with tilted bars, another
# lens and scale, the bars far from the optical axis so that an unrolled reading would be off by mm).
CAMERAS = {
    'bars_elsewhere': CameraInstallation(LineCameraConfig(layout=SceneLayout(
        white_bar_rows=(640, 682), black_bar_rows=(300, 378), bar_columns=(90, 1830)), seed=1)),
    'tilted_bars': CameraInstallation(LineCameraConfig(layout=SceneLayout(
        white_bar_tilt_deg=0.6, black_bar_tilt_deg=-0.45), seed=2)),
    'rolled_camera': CameraInstallation(LineCameraConfig(layout=SceneLayout(
        mm_per_px=1.93, white_bar_rows=(230, 290), black_bar_rows=(380, 452), bar_columns=(60, 1870),
        white_bar_tilt_deg=0.35, black_bar_tilt_deg=-0.25), lens=OTHER_LENS, roll_deg=1.0, seed=3)),
}


def empty_frames(camera: CameraInstallation, count: int = 4) -> list[np.ndarray]:
    line = LineCamera(camera.camera, with_empty(constant(900.0, 2700.0), [(0.0, 100.0)]))
    return [line.frame(i).image for i in range(count)]


def true_lens(lens: LensModel) -> Calibration:
    return Calibration(lens.camera_matrix, lens.dist_coeffs, lens.width, lens.height)


def values_of(installed: dict, calibration: Calibration) -> dict:
    return {**SHIPPED, **installed, 'camera_matrix': [float(v) for v in calibration.camera_matrix.ravel()],
            'distortion_coefficients': [float(v) for v in calibration.dist_coeffs], 'calibration_rms_px': 0.0}


def track(camera: CameraInstallation, values: dict, colour: str = 'black', frames: int = 90):
    """Errors (mm, both edges) and unrecognised frames of the tracker configured by `values` on this camera."""
    cv2.setNumThreads(1)
    config = dataclasses.replace(camera.camera, colour=colour)
    line = LineCamera(config, with_empty(named('gaussian', 900.0, 2700.0, 40.0, 4), [(0.0, 0.2)]))
    tracker = EdgeEyeTracker(settings.tracker_config(values), settings.correction(values),
                             make_upsampler('bicubic', ''))
    errors, unrecognised = [], 0
    for i in range(frames):
        frame = line.frame(i)
        result = tracker.process(frame.image, frame.t)
        if frame.truth is None:
            continue
        if result.status not in (Status.OK, Status.REPAIRED):
            unrecognised += 1
            continue
        errors += [result.left_mm - frame.truth.left_mm, result.right_mm - frame.truth.right_mm]
    return np.array(errors), unrecognised


def test_the_default_camera_gets_the_shipped_geometry():
    found = install(empty_frames(CameraInstallation(LineCameraConfig())), true_lens(DEFAULT_LENS), [3440.8])
    p = found.parameters()
    assert p['white_bar_rows'] == SHIPPED['white_bar_rows'] and p['bar_columns'] == SHIPPED['bar_columns']
    assert p['availability_rows'] == SHIPPED['availability_rows']
    assert p['availability_cols'] == SHIPPED['availability_cols']
    # A mortar course runs along the black bar's top edge: its 50 % point is up to a pixel higher.
    assert found.bars['black'].rows == pytest.approx((600.0, 660.0), abs=1.0)
    assert abs(found.roll.roll_deg) < 0.03 and all(abs(b.tilt_deg) < 0.03 for b in found.bars.values())
    assert found.mm_per_px == pytest.approx(1.87, rel=5e-4) and found.x_origin_mm == 0.0


@pytest.mark.parametrize('name', list(CAMERAS))
def test_the_installation_finds_the_geometry_the_camera_was_built_with(name):
    camera = CAMERAS[name]
    layout = camera.layout
    found = install(empty_frames(camera), true_lens(camera.camera.lens), [camera.bar_length_mm],
                    bar_left_mm=camera.bar_left_mm)
    assert found.roll.roll_deg == pytest.approx(camera.camera.roll_deg, abs=0.03)
    for bar in found.bars.values():
        tilt = layout.white_bar_tilt_deg if bar.name == 'white' else layout.black_bar_tilt_deg
        assert bar.tilt_deg == pytest.approx(tilt, abs=0.05), bar
        assert bar.rows == pytest.approx(camera.bar_rows_at(bar.name, 960.0), abs=1.0), bar
        assert bar.ends == pytest.approx(camera.bar_ends_px(bar.name), abs=0.3), bar
    assert found.mm_per_px == pytest.approx(layout.mm_per_px, rel=5e-4)
    # With the true lens, mm counted from the bars' left ends agree with the sheet plane's own origin.
    assert found.x_origin_mm == pytest.approx(0.0, abs=0.5)


@pytest.mark.parametrize('name', list(CAMERAS))
def test_the_tracker_measures_as_well_as_on_the_default_camera(name):
    camera = CAMERAS[name]
    calibration = true_lens(camera.camera.lens)
    found = install(empty_frames(camera), calibration, [camera.bar_length_mm], bar_left_mm=camera.bar_left_mm)
    errors, unrecognised = track(camera, values_of(found.parameters(), calibration))
    # The default camera's figures (test_edge_eye_tracker): mean < 1 mm, p95 < 2 mm, at most one unrecognised.
    assert unrecognised <= 1
    assert np.abs(errors).mean() < 1.0 and np.percentile(np.abs(errors), 95) < 2.0, np.abs(errors).mean()


@pytest.mark.parametrize('name', ['bars_elsewhere', 'rolled_camera'])
def test_the_shipped_geometry_fails_on_these_cameras(name):
    """What the installation is for: the shipped rows and scale leave frames unrecognised or > 20 mm off."""
    camera = CAMERAS[name]
    errors, unrecognised = track(camera, values_of({}, true_lens(camera.camera.lens)), frames=60)
    wrong = unrecognised + int(np.sum(np.abs(errors).reshape(-1, 2).max(axis=1) > 20.0))
    assert wrong >= 0.15 * 54, (unrecognised, np.abs(errors).mean())


def test_a_rolled_camera_does_not_bias_the_edges():
    """The same installation read without the roll (bars levelled by their angle in the image alone) puts the
    edges millimetres off; with it, they are unbiased."""
    camera = CAMERAS['rolled_camera']
    calibration = true_lens(camera.camera.lens)
    found = install(empty_frames(camera), calibration, [camera.bar_length_mm], bar_left_mm=camera.bar_left_mm)
    installed = found.parameters()
    errors, _ = track(camera, values_of(installed, calibration), frames=60)
    unrolled = {**installed, 'camera_roll_deg': 0.0,
                **{f'{b.name}_bar_tilt_deg': b.image_angle_deg for b in found.bars.values()}}
    biased, _ = track(camera, values_of(unrolled, calibration), frames=60)
    assert abs(errors.mean()) < 0.5
    assert abs(biased.mean()) > 3.0, biased.mean()


def test_installed_with_a_chessboard_calibration_of_another_lens():
    """As on a real line: the lens known only from fracturescope-edge-eye-calibrate's chessboard views."""
    camera = CAMERAS['rolled_camera']
    calibration = calibrate(chessboard_views(camera.camera.lens, 10, seed=3), (9, 6), 60.0)
    found = install(empty_frames(camera), calibration, [camera.bar_length_mm], bar_left_mm=camera.bar_left_mm)
    assert found.roll.roll_deg == pytest.approx(1.0, abs=0.05)
    errors, unrecognised = track(camera, values_of(found.parameters(), calibration), frames=60)
    assert unrecognised <= 1 and np.abs(errors).mean() < 1.0, np.abs(errors).mean()


def test_the_scale_from_a_chessboard_on_the_sheet_plane():
    camera = CAMERAS['rolled_camera']
    lens = camera.camera.lens
    # 80 mm squares on the sheet plane: at the distance where one ideal pixel is mm_per_px.
    board = render_chessboard(lens, np.array([0.0, 0.0, math.radians(1.0)]),
                              np.array([-350.0, -150.0, camera.layout.mm_per_px * lens.focal_px]), (9, 6), 80.0)
    scale = scale_from_target(board, true_lens(lens), (9, 6), 80.0)
    assert scale == pytest.approx(camera.layout.mm_per_px, rel=1e-3)
    found = install(empty_frames(camera), true_lens(lens), target_mm_per_px=scale)
    assert found.mm_per_px == scale and found.scale_source.startswith('target')
    with pytest.raises(InstallationError, match='chessboard'):
        scale_from_target(np.full((1080, 1920), 90, np.uint8), true_lens(lens), (9, 6), 80.0)


def test_frames_with_a_sheet_in_view_are_refused():
    line = LineCamera(LineCameraConfig(colour='black'), constant(900.0, 2700.0))
    with pytest.raises(InstallationError, match='empty'):
        install([line.frame(0).image], true_lens(DEFAULT_LENS), [3440.8])
    with pytest.raises(InstallationError, match='white reference bar'):
        install([np.full((1080, 1920, 3), 60, np.uint8)], true_lens(DEFAULT_LENS), [3440.8])


def test_the_command_writes_a_parameter_file_the_node_reads(tmp_path, graph_env, monkeypatch):
    camera = CAMERAS['tilted_bars']
    for i, frame in enumerate(empty_frames(camera, 3)):
        cv2.imwrite(str(tmp_path / f'empty_{i}.png'), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    calibration_file = ROOT / 'config' / 'edge_eye_calibration.yaml'
    out = tmp_path / 'edge_eye.yaml'
    args = [str(tmp_path), '--calibration', str(calibration_file), '--bar-length-mm', f'{camera.bar_length_mm}',
            '--template', str(ROOT / 'config' / 'edge_eye.yaml'), '--out', str(out)]
    assert main(args) == 0
    written = read_node_parameters(out, 'edge_tracker')
    # Every value of the template is there; the installation's replaced, with their comments kept.
    assert set(written) == set(SHIPPED)
    assert written['white_bar_tilt_deg'] == pytest.approx(0.6, abs=0.05)
    assert written['cache_pool'] == SHIPPED['cache_pool']
    assert '# white bar\'s angle on the sheet plane' in out.read_text()
    # The node starts from it (with the calibration file, as launch/edge_eye.launch.xml passes them).
    monkeypatch.setenv('ROS_DOMAIN_ID', graph_env['ROS_DOMAIN_ID'])
    rclpy.init(args=['--ros-args', '--params-file', str(out), '--params-file', str(calibration_file)])
    try:
        node = EdgeTrackerNode()
        assert {spec.name for spec in PARAMETERS} <= set(written) | {'camera_matrix', 'distortion_coefficients',
                                                                       'calibration_rms_px'}
        assert node._correction.geometry is not None
        assert node._correction.geometry.bars[0].tilt_deg == written['white_bar_tilt_deg']
        assert node._tracker.config.bar_rows['white'] == tuple(written['white_bar_rows'])
        node.destroy_node()
    finally:
        rclpy.shutdown()
    # Frames showing no bars: status 1 with the reason; a missing folder: status 2.
    blank = tmp_path / 'blank'
    blank.mkdir()
    cv2.imwrite(str(blank / 'a.png'), np.full((1080, 1920, 3), 60, np.uint8))
    assert main([str(blank), *args[1:]]) == 1
    assert main([str(tmp_path / 'missing'), *args[1:]]) == 2


def test_the_configuration_keeps_the_template_and_its_comments():
    template = "/**/edge_tracker:\n  ros__parameters:\n    mm_per_px: 1.87   # scale [mm/px]\n" \
               "    bar_columns: [40, 1880]  # [px]\n    cache_pool: 80\n"
    text = configured_text(template, {'mm_per_px': 1.93125, 'bar_columns': [61, 1869]}, ['found: test'])
    assert text.startswith('# found: test\n')
    document = yaml.safe_load(text)['/**/edge_tracker']['ros__parameters']
    assert document == {'mm_per_px': 1.93125, 'bar_columns': [61, 1869], 'cache_pool': 80}
    assert '# scale [mm/px]' in text and '# [px]' in text
    with pytest.raises(InstallationError, match='camera_roll_deg'):
        configured_text(template, {'camera_roll_deg': 0.5})


def test_a_bar_end_with_too_little_contrast_is_not_placed():
    """A black bar ending 6 grey levels from the dark furnace beyond it, a brighter mortar course 20 px further out:
    the end cannot be placed (NaN with its contrast), and the course's step is not taken for it."""
    from fracturescope_perception.edge_eye.installation import end_step
    profile = np.full(400, 24.0)
    profile[:150] = 30.0    # furnace beyond the end (column 150)
    profile[:130] = 48.0    # a brighter course further out
    position, contrast = end_step(profile, 300.0, -1, 24.0, 46.0)
    assert np.isnan(position) and contrast == pytest.approx(6.0, abs=0.5)
    profile[:150] = 60.0    # a clear end
    profile[200:203] = 40.0  # paint wear on the bar: not its end
    position, contrast = end_step(profile, 300.0, -1, 24.0, 46.0)
    assert position == pytest.approx(149.5, abs=0.3) and contrast == pytest.approx(36.0, abs=0.5)


def test_an_end_that_cannot_be_placed_is_said_and_the_other_bar_used(monkeypatch):
    """When one bar's end is not placed, the installation uses the other bar's and says so in its warnings (and
    summary); when the two bars' left ends disagree, the clearer one is used, also with a warning."""
    from fracturescope_perception.edge_eye import installation as inst
    camera = CAMERAS['tilted_bars']
    frames, calibration = empty_frames(camera), true_lens(camera.camera.lens)
    reference = install(frames, calibration, [camera.bar_length_mm], bar_left_mm=camera.bar_left_mm)
    assert not reference.warnings
    honest = inst.measure_in_view

    def black_left(change):
        calls = []

        def measure(view, line, columns, pivot, min_end_contrast=10.0):
            rows, ends, off, contrast, steps = honest(view, line, columns, pivot, min_end_contrast)
            calls.append(line)
            if len(calls) == 2:  # install() measures the white bar, then the black one
                (ends, steps) = change(ends, steps)
            return rows, ends, off, contrast, steps
        return measure

    monkeypatch.setattr(inst, 'measure_in_view', black_left(lambda e, s: ((math.nan, e[1]), (6.0, s[1]))))
    installed = install(frames, calibration, [camera.bar_length_mm], bar_left_mm=camera.bar_left_mm)
    assert any("black bar's left end shows only 6 grey levels" in w for w in installed.warnings), installed.warnings
    assert any(line.startswith('WARNING') for line in summary(installed))
    assert installed.mm_per_px == pytest.approx(reference.mm_per_px, rel=2e-3)
    assert installed.x_origin_mm == pytest.approx(reference.x_origin_mm, abs=1.0)
    # A black left end 20 px off a weaker step than the white one's: left out, said.
    monkeypatch.setattr(inst, 'measure_in_view', black_left(lambda e, s: ((e[0] - 20.0, e[1]), (12.0, s[1]))))
    installed = install(frames, calibration, [camera.bar_length_mm], bar_left_mm=camera.bar_left_mm)
    assert any('left ends disagree by 2' in w and "the black bar's is left out" in w for w in installed.warnings), \
        installed.warnings
    assert installed.x_origin_mm == pytest.approx(reference.x_origin_mm, abs=1.0)
    # No end placed at all: refused, with the reason.
    monkeypatch.setattr(inst, 'measure_in_view', lambda *a, **k: (lambda r: (r[0], (math.nan, math.nan), r[2], r[3],
                                                                              (5.0, 5.0)))(honest(*a, **k)))
    with pytest.raises(InstallationError, match='grey levels'):
        install(frames, calibration, [camera.bar_length_mm], bar_left_mm=camera.bar_left_mm)
