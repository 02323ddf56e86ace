"""Thumbnails within their byte budget."""

import cv2
from fracturescope_uplink.thumbnails import jpeg_thumbnail
import numpy as np
import pytest


def test_a_frame_shrinks_to_the_size_and_fits_the_bytes():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)    # noise: the hardest case for JPEG
    jpeg = jpeg_thumbnail(frame, max_side_px=160, max_bytes=12_000)
    assert jpeg is not None and len(jpeg) <= 12_000
    assert cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR).shape == (90, 160, 3)
    assert jpeg_thumbnail(frame, max_side_px=160, max_bytes=300) is None   # cannot fit: no thumbnail


def test_grey_and_16_bit_images_are_accepted_and_nonsense_is_refused():
    assert jpeg_thumbnail(np.arange(64 * 48, dtype=np.uint16).reshape(48, 64), 32, 5000) is not None
    with pytest.raises(ValueError):
        jpeg_thumbnail(np.zeros((0, 0), np.uint8), 32, 5000)
