"""Simulator variations for installing Edge-Eye: bars at other heights and thicknesses, tilted bars, a rolled camera,
other lenses; the default layout renders as before and the truth stays on the sheet plane."""

import math

import cv2
from fracturescope_sim.camera_installations import random_installation
from fracturescope_sim.edge_trajectory import constant, with_empty
from fracturescope_sim.furnace_scene import SceneLayout
from fracturescope_sim.line_camera import LineCamera, LineCameraConfig, unrolled
import numpy as np
import pytest


def ideal_grey(config, trajectory=None, index=0):
    """Frame `index` undistorted with the true lens (grey float32) and its truth."""
    camera = LineCamera(config, trajectory or with_empty(constant(900.0, 2700.0), [(0.0, 10.0)]))
    frame = camera.frame(index)
    lens = config.lens
    map_x, map_y = cv2.initUndistortRectifyMap(lens.camera_matrix, lens.dist_coeffs, None, lens.camera_matrix,
                                               (lens.width, lens.height), cv2.CV_32FC1)
    grey = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return cv2.remap(grey, map_x, map_y, cv2.INTER_LINEAR), frame.truth


def step_row(column, approx, rising=True):
    """Row of the 50 % point of a vertical step near `approx` in one column (linear between pixel centres)."""
    seg = column[approx - 6:approx + 7]
    lo, hi = np.median(column[approx - 14:approx - 8]), np.median(column[approx + 8:approx + 14])
    half = (lo + hi) / 2.0
    for i in range(len(seg) - 1):
        a, b = seg[i], seg[i + 1]
        if (a - half) * (b - half) <= 0 and a != b:
            return approx - 6 + i + (a - half) / (a - b)
    raise AssertionError('no step')


def step_column(row, approx):
    seg = row[approx - 8:approx + 9]
    gradient = np.abs(np.diff(seg))
    i = int(np.argmax(gradient))
    lo, hi = float(np.median(row[approx - 20:approx - 10])), float(np.median(row[approx + 10:approx + 20]))
    half = (lo + hi) / 2.0
    a, b = seg[i], seg[i + 1]
    return approx - 8 + i + (a - half) / (a - b)


def test_the_default_layout_is_the_one_with_level_bars_and_no_roll():
    default = LineCameraConfig()
    explicit = LineCameraConfig(layout=SceneLayout(white_bar_tilt_deg=0.0, black_bar_tilt_deg=0.0), roll_deg=0.0)
    assert default == explicit
    image, _ = ideal_grey(default)
    # The white bar's top is at row 420 (pixel centres at integers) over its whole length.
    rows = [step_row(image[:, x], 420) for x in (300, 960, 1600)]
    assert np.allclose(rows, 420.0, atol=0.15), rows


@pytest.mark.parametrize('rows, tilt', [((250, 290), 0.6), ((700, 780), -0.45)])
def test_bars_at_other_heights_thicknesses_and_tilts(rows, tilt):
    layout = SceneLayout(white_bar_rows=rows, white_bar_tilt_deg=tilt, black_bar_rows=(500, 560))
    image, _ = ideal_grey(LineCameraConfig(layout=layout))
    centre = sum(layout.bar_columns) / 2.0
    for x in (200, 960, 1700):
        expected = (x - centre) * math.tan(math.radians(tilt))
        top = step_row(image[:, x], int(round(rows[0] + expected)))
        bottom = step_row(image[:, x], int(round(rows[1] + expected)))
        assert top == pytest.approx(rows[0] + expected, abs=0.2)
        assert bottom == pytest.approx(rows[1] + expected, abs=0.2)
    # The level black bar is where it was.
    assert step_row(image[:, 960], 500) == pytest.approx(500.0, abs=0.2)


def test_a_rolled_camera_turns_bars_and_sheet_edges_about_the_principal_point():
    roll = 0.9
    config = LineCameraConfig(colour='white', roll_deg=roll)
    image, truth = ideal_grey(config, constant(1203.3, 2700.0))
    lens, layout = config.lens, config.layout
    c, s = math.cos(math.radians(roll)), math.sin(math.radians(roll))

    def seen(qx, qy):  # where a sheet-plane point is in the ideal view: p = c + R(roll) (q - c)
        dx, dy = qx - lens.cx, qy - lens.cy
        return lens.cx + c * dx - s * dy, lens.cy + s * dx + c * dy

    # The white bar's top boundary runs at the roll angle.
    for qx in (400.0, 1500.0):
        x, y = seen(qx, 420.0)
        assert step_row(image[:, int(round(x))], int(round(y))) == pytest.approx(y, abs=0.25)
    # The sheet's left edge, vertical on the sheet plane at truth / mm_per_px, is a line at the roll angle: on
    # ideal row y it is where q_x = cx + cos(roll) (x - cx) + sin(roll) (y - cy) equals that column.
    qx = truth.left_mm / layout.mm_per_px
    for row in (250, 540, 900):
        x_row = lens.cx + (qx - lens.cx - s * (row - lens.cy)) / c
        found = step_column(image[row], int(round(x_row)))
        assert found == pytest.approx(x_row, abs=0.3), (row, found, x_row)
    assert truth.left_mm == 1203.3  # the truth stays on the sheet plane
    # unrolled() undoes the turn.
    q = unrolled(np.array([seen(qx, 300.0)[0]]), np.array([seen(qx, 300.0)[1]]), (lens.cx, lens.cy), roll)
    assert q[0][0] == pytest.approx(qx) and q[1][0] == pytest.approx(300.0)


def test_random_installations_are_reproducible_and_within_their_ranges():
    assert random_installation(4) == random_installation(4)
    assert random_installation(4) != random_installation(5)
    for seed in range(40):
        inst = random_installation(seed)
        layout = inst.layout
        thick = [r[1] - r[0] for r in (layout.white_bar_rows, layout.black_bar_rows)]
        assert all(40 <= t <= 80 for t in thick)
        assert abs(layout.white_bar_tilt_deg) <= 0.6 and abs(layout.black_bar_tilt_deg) <= 0.6
        assert abs(inst.camera.roll_deg) <= 1.0
        upper, lower = sorted((layout.white_bar_rows, layout.black_bar_rows))
        assert lower[0] - upper[1] >= 40 and upper[0] >= 190 and lower[1] <= 930
        left, right = inst.bar_ends_px('white')
        assert inst.bar_length_mm == pytest.approx((right - left) / math.cos(math.radians(
            layout.white_bar_tilt_deg)) * layout.mm_per_px)
        # The sheet's edges of the benchmarks (900 and 2700 mm, +-40) stay over the bars.
        assert left * layout.mm_per_px < 850.0 and right * layout.mm_per_px > 2750.0


def test_the_command_writes_a_random_cameras_empty_frames_and_says_what_to_give(tmp_path, capsys):
    from fracturescope_sim.camera_installations import main

    main(['--seed', '7', '--out', str(tmp_path), '--frames', '2', '--views', '0'])
    frames = sorted((tmp_path / 'empty').glob('*.png'))
    assert len(frames) == 2 and cv2.imread(str(frames[0])).shape == (1080, 1920, 3)
    inst = random_installation(7)
    printed = capsys.readouterr().out
    assert f'--bar-length-mm {inst.bar_length_mm:.2f} --bar-left-mm {inst.bar_left_mm:.2f}' in printed
