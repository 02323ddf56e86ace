import math

from fracturescope_common.camera_info import camera_info_topic, focal_from_horizontal_fov, pinhole_camera_info
import pytest
from std_msgs.msg import Header


def test_a_pixel_projects_back_onto_the_ray_it_came_from():
    focal = focal_from_horizontal_fov(640, 90.0)
    assert focal == pytest.approx(320.0)
    info = pinhole_camera_info(Header(frame_id='cam'), 640, 360, focal)
    fx, cx, fy, cy = info.k[0], info.k[2], info.k[4], info.k[5]
    # the right image border is 45 degrees off the optical axis
    assert math.degrees(math.atan2(639.5 - cx, fx)) == pytest.approx(45.0, abs=0.1)
    assert (cx, cy, fy) == (319.5, 179.5, pytest.approx(320.0))
    assert info.header.frame_id == 'cam' and info.distortion_model == 'plumb_bob' and list(info.d) == [0.0] * 5
    assert list(info.p)[:3] == pytest.approx([320.0, 0.0, 319.5])


def test_distortion_and_principal_point_are_taken_as_given_and_bad_values_refused():
    info = pinhole_camera_info(Header(), 1920, 1080, 1100.0, 962.5, 538.0, (-0.12, 0.035, 0.0008, -0.0012, 0.0))
    assert list(info.d) == pytest.approx([-0.12, 0.035, 0.0008, -0.0012, 0.0]) and info.k[2] == 962.5
    with pytest.raises(ValueError):
        pinhole_camera_info(Header(), 10, 10, 5.0, distortion=(0.1,))
    with pytest.raises(ValueError):
        focal_from_horizontal_fov(640, 180.0)


def test_the_camera_info_topic_sits_beside_the_image_topic():
    assert camera_info_topic('camera/rgb/image_raw') == 'camera/rgb/camera_info'
    assert camera_info_topic('image_raw') == 'camera_info'
