"""Line camera frames stored as JPEG: the restore step gives raw rgb8 frames with the original header."""

from fracturescope_common.image_conversion import image_to_numpy, numpy_to_image
from fracturescope_regression.image_compression import FORMAT, compress, restore
import numpy as np
import pytest
from std_msgs.msg import Header


def test_a_frame_comes_back_as_rgb8_with_its_header_and_close_to_the_original():
    rng = np.random.default_rng(3)
    rgb = np.clip(rng.normal(120, 10, (108, 192, 3)), 0, 255).astype(np.uint8)
    rgb[:, 60:130] = (200, 40, 30)                     # a red sheet: channel order must survive
    header = Header(frame_id='line_camera_optical_frame')
    header.stamp.sec, header.stamp.nanosec = 5, 7
    compressed = compress(numpy_to_image(rgb, 'rgb8', header), 95)
    assert compressed.format == FORMAT and len(compressed.data) < rgb.nbytes / 2
    restored = restore(compressed)
    assert restored.encoding == 'rgb8' and restored.header == header
    back = image_to_numpy(restored)
    assert back.shape == rgb.shape
    assert np.abs(back[:, 70:120].astype(int) - (200, 40, 30)).max() < 12
    assert restore(compressed) == restored             # the decoder is deterministic


def test_an_unknown_format_is_refused():
    compressed = compress(numpy_to_image(np.zeros((8, 8, 3), np.uint8), 'rgb8'), 90)
    compressed.format = 'png'
    with pytest.raises(ValueError, match='is not'):
        restore(compressed)
