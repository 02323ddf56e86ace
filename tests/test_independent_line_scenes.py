"""The independent line-scene renderer itself (benchmarks/independent_line_scenes.py): deterministic per seed, its
ground truth where the image shows the sheet's edges, its chessboard views usable by OpenCV."""

import dataclasses
import importlib.util
from pathlib import Path
import sys

import cv2
import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[1] / 'benchmarks' / 'independent_line_scenes.py'


@pytest.fixture(scope='module')
def scenes():
    spec = importlib.util.spec_from_file_location('independent_line_scenes', PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_same_seed_renders_the_same_frames_and_truth(scenes):
    frames = []
    for seed in (5, 5, 6):
        scene = scenes.LineScene(seed, 480, 270)
        script = scene.make_script(2.0)
        frames.append([scene.render(script, f) for f in (0, 45)] + [scene.empty_frames(1)[0]])
    for (a, ta), (b, tb) in zip(frames[0][:2], frames[1][:2], strict=True):
        assert np.array_equal(a, b) and repr(ta) == repr(tb)
    assert np.array_equal(frames[0][2], frames[1][2])
    assert not np.array_equal(frames[0][1][0], frames[2][1][0])
    assert frames[0][0][0].shape == (270, 480, 3) and frames[0][0][0].dtype == np.uint8


def _crossing(profile: np.ndarray, centre: int, inside_right: bool) -> float:
    """Where a row profile crosses half-way between its levels either side of `centre` (linear between pixels)."""
    outside = np.median(profile[centre - 9:centre - 4]) if inside_right else np.median(profile[centre + 5:centre + 10])
    inside = np.median(profile[centre + 5:centre + 10]) if inside_right else np.median(profile[centre - 9:centre - 4])
    half = 0.5 * (outside + inside)
    for u in range(centre - 5, centre + 5):
        a, b = profile[u] - half, profile[u + 1] - half
        if a == 0 or a * b < 0:
            return u + a / (a - b)
    raise AssertionError('no crossing')


@pytest.mark.parametrize(('seed', 'colour', 'bar'), [(2, 'black', 'white'), (7, 'white', 'black')])
def test_the_truth_is_where_the_image_shows_the_edges(scenes, seed, colour, bar):
    scene = scenes.LineScene(seed, 960, 540, roll_deg=0.0, distortion=False)
    script = dataclasses.replace(scene.make_script(1.0, colour=colour, kind=3), shadows=(), rods=())
    image, truth = scene.render(script, 0)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    assert truth.covers_both_bars and truth.sheet_in_view
    reference = scene.bars[bar]
    for x_mm, inside_right in ((truth.left_mm, True), (truth.right_mm, False)):
        u, v = scene.camera.sheet_to_pixel(np.array([x_mm]), np.array([reference.y_at(x_mm)]))
        row = grey[int(round(v[0])) - 2:int(round(v[0])) + 3].mean(axis=0)  # 5 rows: less noise
        found = _crossing(row, int(round(u[0])), inside_right)
        assert abs(found - u[0]) < 1.0, (x_mm, u[0], found)


def test_the_chessboard_corners_are_found_where_they_are(scenes):
    scene = scenes.LineScene(4, 960, 540)
    which = [0, 3, 8]
    for index, view in zip(which, scene.chessboard_views(which=which), strict=True):
        grey = cv2.cvtColor(view, cv2.COLOR_RGB2GRAY)
        ok, corners = cv2.findChessboardCorners(grey, scenes.PATTERN)
        assert ok, f'view {index}: no board found'
        corners = cv2.cornerSubPix(grey, corners, (5, 5), (-1, -1),
                                   (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_MAX_ITER, 40, 0.001)).reshape(-1, 2)
        truth = scene.chessboard_corners(index)
        nearest = np.sqrt(((corners[:, None, :] - truth[None, :, :]) ** 2).sum(-1)).min(axis=1)
        assert nearest.max() < 0.5, (index, nearest.max())
