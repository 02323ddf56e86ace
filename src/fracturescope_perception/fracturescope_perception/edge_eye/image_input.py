"""sensor_msgs/Image fields -> numpy view for the tracker (rgb8, bgr8, mono8), with clear errors.

No cv_bridge on the build machines (../shared/ros2-on-pypi.md); this reads the message's bytes without a copy
where the layout allows (rgb8 / mono8 without row padding).
"""

import cv2
import numpy as np

CHANNELS = {'rgb8': 3, 'bgr8': 3, 'mono8': 1}


class ImageFormatError(ValueError):
    """The image cannot be measured: unsupported encoding, wrong size, or inconsistent fields."""


def image_array(encoding: str, height: int, width: int, step: int, data: bytes | bytearray | memoryview,
                expected_size: tuple[int, int] | None = None) -> np.ndarray:
    """(height, width, 3) RGB or (height, width) grey uint8 array of an Image's fields."""
    if encoding not in CHANNELS:
        raise ImageFormatError(f'encoding {encoding!r} not supported (rgb8, bgr8, mono8)')
    if expected_size is not None and (width, height) != expected_size:
        raise ImageFormatError(f'image is {width}x{height}, expected {expected_size[0]}x{expected_size[1]}')
    channels = CHANNELS[encoding]
    if width <= 0 or height <= 0 or step < width * channels:
        raise ImageFormatError(f'inconsistent image fields: {width}x{height}, step {step}, {encoding}')
    buffer = np.frombuffer(data, np.uint8)
    if buffer.size != step * height:
        raise ImageFormatError(f'data has {buffer.size} bytes, expected step x height = {step * height}')
    rows = buffer.reshape(height, step)[:, :width * channels]
    if channels == 1:
        return rows
    array = rows.reshape(height, width, 3)
    if encoding == 'bgr8':
        return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
    return array


def is_blank(image: np.ndarray, min_range: int) -> bool:
    """All black, all white or flat (covered lens, lamp failure, saturated sensor): grey range below min_range on
    a coarse grid of the frame."""
    sample = image[::16, ::16]
    return int(sample.max()) - int(sample.min()) < min_range
