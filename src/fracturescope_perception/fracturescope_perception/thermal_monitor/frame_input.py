"""What the thermal monitor node needs besides the model (no rclpy): checking an incoming thermal Image and
turning it into degC, the model id from the card, and the rate / latency figures of its /diagnostics."""

from __future__ import annotations

from collections import deque
import hashlib
import json
from pathlib import Path

from fracturescope_common.image_conversion import (
    CENTIKELVIN,
    TEMPERATURE_ENCODINGS,
    CountScale,
    ImageConversionError,
    as_celsius,
)
import numpy as np
from sensor_msgs.msg import Image

# why a frame is not assessed; each is a /diagnostics counter `rejected_<reason>`
REJECTION_REASONS = ('too_large', 'bad_encoding', 'empty_image', 'bad_size', 'malformed', 'nan_temperature',
                     'temperature_out_of_range', 'stamp_too_old', 'stamp_in_future')


class FrameRejectedError(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        if reason not in REJECTION_REASONS:
            raise ValueError(f'unknown rejection reason {reason!r}')
        super().__init__(message)
        self.reason = reason


def celsius_frame(msg: Image, height: int, width: int, valid_c: tuple[float, float],
                  counts: CountScale = CENTIKELVIN) -> np.ndarray:
    """The frame in degC (height x width float32, all finite and within the sensor's range `valid_c`), or
    FrameRejectedError saying why not."""
    if msg.encoding not in TEMPERATURE_ENCODINGS:
        raise FrameRejectedError('bad_encoding', f'encoding {msg.encoding!r} is not a temperature encoding '
                                            f'({", ".join(TEMPERATURE_ENCODINGS)})')
    if len(msg.data) == 0:
        raise FrameRejectedError('empty_image', f'no pixel data ({msg.width} x {msg.height} {msg.encoding})')
    if (msg.height, msg.width) != (height, width):
        raise FrameRejectedError('bad_size', f'frame is {msg.width} x {msg.height}, the model takes {width} x {height}')
    try:
        frame = as_celsius(msg, counts)
    except ImageConversionError as error:  # step or data length inconsistent with the header
        raise FrameRejectedError('malformed', str(error)) from error
    bad = ~np.isfinite(frame)
    if bad.any():
        raise FrameRejectedError('nan_temperature',
                                 f'{int(bad.sum())} of {frame.size} temperatures are NaN or infinite')
    if frame.min() < valid_c[0] or frame.max() > valid_c[1]:
        raise FrameRejectedError('temperature_out_of_range', f'temperatures {frame.min():.4g} .. {frame.max():.4g} '
                                 f'degC outside the sensor range {valid_c[0]:g} .. {valid_c[1]:g} degC')
    return frame


def model_id(card_path: Path) -> str:
    """`name@version` of the card's model; the version is the card's own, else the ONNX file's SHA-256 prefix."""
    card_path = Path(card_path)
    card = json.loads(card_path.read_text())
    version = card.get('version') or hashlib.sha256((card_path.parent / card['model_file']).read_bytes()).hexdigest()
    return f'{card["name"]}@{version[:12]}'


class RateAndLatency:
    """Arrival rate and processing-time percentiles over the last `window` frames."""

    def __init__(self, window: int = 300) -> None:
        self._arrivals: deque[float] = deque(maxlen=window)
        self._times_ms: deque[float] = deque(maxlen=window)

    def add(self, arrival_s: float, processing_ms: float) -> None:
        self._arrivals.append(arrival_s)
        self._times_ms.append(processing_ms)

    def rate_hz(self) -> float:
        if len(self._arrivals) < 2 or self._arrivals[-1] <= self._arrivals[0]:
            return 0.0
        return (len(self._arrivals) - 1) / (self._arrivals[-1] - self._arrivals[0])

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self._times_ms, q)) if self._times_ms else 0.0
