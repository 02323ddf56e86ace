"""ROS messages -> what the uplink takes: here the camera frame a thumbnail is made of."""

from fracturescope_common.image_conversion import numpy_to_image
from fracturescope_uplink.messages import thumbnail_source
import numpy as np
import pytest


def test_a_camera_frame_becomes_bgr_for_the_thumbnail_encoder():
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[..., 0] = 200   # red
    bgr = thumbnail_source(numpy_to_image(rgb, 'rgb8'))
    assert bgr.flags['C_CONTIGUOUS'] and bgr[0, 0].tolist() == [0, 0, 200]


def test_a_frame_that_is_no_colour_image_is_refused():
    with pytest.raises(ValueError):
        thumbnail_source(numpy_to_image(np.zeros((2, 3), np.float32), '32FC1'))
