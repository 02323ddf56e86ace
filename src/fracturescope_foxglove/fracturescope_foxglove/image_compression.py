"""Raw images as JPEG for a Wi-Fi link: a 1080p rgb8 frame is 6 MB raw, about 0.1-0.3 MB as JPEG at quality 75-90.
Colour and grey frames are encoded as they are; temperature and depth frames (32FC1, 16UC1, mono16) are scaled
from their lowest to their highest finite value of the frame, shown in false colour (inferno, as the thermal
monitor's own view) or grey. numpy + OpenCV; the messages are sensor_msgs types, nothing else of ROS."""

from __future__ import annotations

import cv2
from fracturescope_common.image_conversion import ImageConversionError, image_to_numpy
import numpy as np
from sensor_msgs.msg import CompressedImage, Image

PALETTES = ('inferno', 'grey')
JPEG_FORMAT = 'jpeg'      # CompressedImage.format the Foxglove Image panel and image_transport read
SCALED_ENCODINGS = ('32FC1', '16UC1', 'mono16')


def check_settings(quality: int, palette: str) -> None:
    """ValueError unless quality is 1..100 and palette one of PALETTES."""
    if not 1 <= quality <= 100:
        raise ValueError(f'JPEG quality must be 1..100, got {quality}')
    if palette not in PALETTES:
        raise ValueError(f'palette must be one of {PALETTES}, got {palette!r}')


def scaled_to_8bit(values: np.ndarray) -> np.ndarray:
    """H x W uint8: the lowest finite value 0, the highest 255; NaN and infinities 0 (a flat frame is all 0)."""
    values = np.asarray(values, np.float32)
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, np.uint8)
    low, high = float(values[finite].min()), float(values[finite].max())
    scaled = (np.where(finite, values, low) - low) * (255.0 / max(high - low, 1e-6))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def viewable(msg: Image, palette: str) -> np.ndarray:
    """What OpenCV encodes: H x W x 3 uint8 BGR, or H x W uint8 grey."""
    if msg.encoding == 'rgb8':
        return np.ascontiguousarray(image_to_numpy(msg, copy=False)[..., ::-1])
    if msg.encoding in ('bgr8', 'mono8'):
        return image_to_numpy(msg, copy=False)
    if msg.encoding in SCALED_ENCODINGS:
        grey = scaled_to_8bit(image_to_numpy(msg))
        return cv2.applyColorMap(grey, cv2.COLORMAP_INFERNO) if palette == 'inferno' else grey
    raise ImageConversionError(f'cannot show {msg.encoding!r} as JPEG '
                               f'(rgb8, bgr8, mono8, {", ".join(SCALED_ENCODINGS)})')


def compress(msg: Image, quality: int, palette: str) -> CompressedImage:
    """The JPEG of `msg` under its header; ImageConversionError for what cannot be read or encoded."""
    ok, encoded = cv2.imencode('.jpg', viewable(msg, palette), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ImageConversionError(f'OpenCV could not encode a {msg.width} x {msg.height} {msg.encoding} frame')
    compressed = CompressedImage(header=msg.header, format=JPEG_FORMAT)
    compressed.data = encoded.tobytes()
    return compressed


class RateGate:
    """Lets frames through at most `max_rate_hz` on average (0: all): one per period of a schedule that is kept while
    frames come on time, so a 30 fps camera gives 5.0 frames per second at 5 Hz, not every 7th frame (4.3 Hz)."""

    def __init__(self) -> None:
        self._due_ns: int | None = None       # start of the next period

    def admit(self, now_ns: int, max_rate_hz: float) -> bool:
        if max_rate_hz <= 0:
            return True
        period = 1e9 / max_rate_hz
        if self._due_ns is not None and self._due_ns - period <= now_ns < self._due_ns:
            return False
        # on time: keep the schedule; after a gap, or a clock that went back (sim time restarted): start it anew
        on_time = self._due_ns is not None and 0 <= now_ns - self._due_ns < period
        self._due_ns = int(self._due_ns + period) if on_time else int(now_ns + period)
        return True
