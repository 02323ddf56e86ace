"""Static frames from config: rotations as tf2's setRPY makes them, the shipped frames placing each camera where
its images say it looks, and clear errors for files that do not describe a tree."""

import math
from pathlib import Path

from builtin_interfaces.msg import Time
from fracturescope_common.static_frames import (
    StaticFrame,
    frame_chain,
    load_frames,
    parse_frames,
    quaternion_from_rpy,
    transforms,
)
import numpy as np
import pytest

FRAMES_FILE = Path(__file__).resolve().parents[3] / 'config' / 'frames.yaml'


def rotation(q):
    """The rotation matrix of a unit quaternion (x, y, z, w)."""
    x, y, z, w = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def axis_rotation(axis, angle):
    c, s = math.cos(angle), math.sin(angle)
    return {'x': np.array([[1, 0, 0], [0, c, -s], [0, s, c]]), 'y': np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
            'z': np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])}[axis]


@pytest.mark.parametrize('rpy', [(0.3, 0, 0), (0, -0.7, 0), (0, 0, 2.1), (0.4, -1.1, 2.9),
                                 (-math.pi / 2, 0, -math.pi / 2)])
def test_rpy_is_yaw_after_pitch_after_roll_about_fixed_axes(rpy):
    roll, pitch, yaw = rpy
    expected = axis_rotation('z', yaw) @ axis_rotation('y', pitch) @ axis_rotation('x', roll)
    q = quaternion_from_rpy(*rpy)
    assert math.isclose(sum(v * v for v in q), 1.0)
    np.testing.assert_allclose(rotation(q), expected, atol=1e-12)


def test_the_shipped_frames_point_each_camera_where_it_looks():
    frames = {f.child: f for f in load_frames(FRAMES_FILE)}
    # REP-103 optical frame on a body looking along x: optical z forward = body x, x right = -y, y down = -z
    optical = rotation(frames['camera_rgb_optical_frame'].quaternion)
    np.testing.assert_allclose(optical @ [0, 0, 1], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(optical @ [1, 0, 0], [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(optical @ [0, 1, 0], [0, 0, -1], atol=1e-12)
    # the equipment camera looks ahead and 30 degrees down
    equipment = rotation(frames['equipment_thermal_optical_frame'].quaternion)
    np.testing.assert_allclose(equipment @ [0, 0, 1], [math.cos(math.radians(30)), 0, -0.5], atol=1e-12)
    # the line camera: its principal ray meets the sheet plane (z = 0 of `line`) at x = cx * 1.87 mm, and the image's
    # columns grow with the line's x, as the Edge-Eye tracker counts millimetres
    line_camera = frames['line_camera_optical_frame']
    ray = rotation(line_camera.quaternion) @ [0, 0, 1]
    origin = np.array(line_camera.xyz_m)
    hit = origin + ray * (-origin[2] / ray[2])
    assert hit[0] == pytest.approx(962.5 * 1.87e-3, abs=1e-3) and hit[2] == pytest.approx(0.0)
    assert origin[2] == pytest.approx(1100 * 1.87e-3, abs=1e-3)   # focal length x scale: the working distance
    np.testing.assert_allclose(rotation(line_camera.quaternion) @ [1, 0, 0], [1, 0, 0], atol=1e-12)


def test_transforms_carry_each_frame_with_the_stamp():
    frame = StaticFrame('base_link', 'camera_link', (0.25, 0.0, 0.45), (0.0, 0.0, 90.0))
    (message,) = transforms([frame], Time(sec=12, nanosec=5))
    assert (message.header.frame_id, message.child_frame_id, message.header.stamp.sec) == ('base_link',
                                                                                            'camera_link', 12)
    t, q = message.transform.translation, message.transform.rotation
    assert (t.x, t.y, t.z) == (0.25, 0.0, 0.45)
    assert (q.x, q.y, q.z, q.w) == pytest.approx((0.0, 0.0, math.sqrt(0.5), math.sqrt(0.5)))


def entry(parent='base_link', child='camera_link', xyz=(0, 0, 0), rpy=(0, 0, 0)):
    return {'parent': parent, 'child': child, 'xyz_m': list(xyz), 'rpy_deg': list(rpy)}


@pytest.mark.parametrize('entries, message', [
    ([], 'non-empty list'),
    ([{'parent': 'a', 'child': 'b', 'xyz_m': [0, 0, 0]}], 'frames[0]: needs exactly'),
    ([entry(child='')], 'frame names must be non-empty'),
    ([entry(parent='/map')], 'frame names must be non-empty'),
    ([entry(child='base_link')], 'cannot be its own parent'),
    ([entry(xyz=(0, float('nan'), 0))], 'frames[0].xyz_m: three finite numbers'),
    ([entry(rpy=(0, 0))], 'frames[0].rpy_deg: three finite numbers'),
    ([entry(rpy=(True, 0, 0))], 'frames[0].rpy_deg: three finite numbers'),
    ([entry(), entry(parent='odom')], 'frames[1]: camera_link already has the parent base_link'),
    ([entry('a', 'b'), entry('b', 'c'), entry('c', 'a')], 'its own ancestor'),
])
def test_a_file_that_is_not_a_tree_of_frames_is_refused_with_the_reason(entries, message):
    with pytest.raises(ValueError, match=message.replace('[', r'\[').replace(']', r'\]')):
        parse_frames(entries)


def test_load_names_the_file(tmp_path):
    path = tmp_path / 'frames.yaml'
    path.write_text('frames: [{parent: a, child: a, xyz_m: [0, 0, 0], rpy_deg: [0, 0, 0]}]\n')
    with pytest.raises(ValueError, match=f'{path}: frames\\[0\\]: a cannot be its own parent'):
        load_frames(path)
    path.write_text('- just a list\n')
    with pytest.raises(ValueError, match='a mapping with a `frames` list'):
        load_frames(path)


def test_frame_chain_follows_the_parents_to_the_root():
    tree = transforms(load_frames(FRAMES_FILE), Time())
    assert frame_chain('camera_rgb_optical_frame', tree) == ['camera_rgb_optical_frame', 'camera_link', 'base_link']
    assert frame_chain('line_camera_optical_frame', tree) == ['line_camera_optical_frame', 'line']
    assert frame_chain('elsewhere', tree) == ['elsewhere']
