"""Line-camera frames for the tracker: 8-bit RGB / BGR / grey of the configured size, read without a copy where
the layout allows (fracturescope_common.image_conversion does the reading)."""

import cv2
from fracturescope_common.image_conversion import ImageConversionError, image_to_numpy
import numpy as np
from sensor_msgs.msg import Image

ENCODINGS = ('rgb8', 'bgr8', 'mono8')


def tracker_frame(msg: Image, expected_size: tuple[int, int] | None = None) -> np.ndarray:
    """(height, width, 3) RGB or (height, width) grey uint8 array of a line-camera frame; ImageConversionError
    says why a frame cannot be measured."""
    if msg.encoding not in ENCODINGS:
        raise ImageConversionError(f'encoding {msg.encoding!r} not supported by the tracker ({", ".join(ENCODINGS)})')
    if expected_size is not None and (msg.width, msg.height) != expected_size:
        raise ImageConversionError(f'image is {msg.width}x{msg.height}, expected {expected_size[0]}x'
                                   f'{expected_size[1]}')
    array = image_to_numpy(msg, copy=False)
    return cv2.cvtColor(array, cv2.COLOR_BGR2RGB) if msg.encoding == 'bgr8' else array


def is_blank(image: np.ndarray, min_range: int) -> bool:
    """All black, all white or flat (covered lens, lamp failure, saturated sensor): grey range below min_range on
    a coarse grid of the frame."""
    sample = image[::16, ::16]
    return int(sample.max()) - int(sample.min()) < min_range
