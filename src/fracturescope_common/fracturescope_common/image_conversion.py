"""sensor_msgs/Image <-> numpy for rgb8, bgr8, mono8, 16UC1 and 32FC1 (cv_bridge is not usable here).

Reading honours `step` (rows may be padded) and `is_bigendian`, returns arrays that do not alias the message, and
refuses what it cannot interpret with an ImageConversionError that says why. Writing fills `data` with
`tobytes()` (assigning an ndarray to the field is ~100x slower, see ../shared/ros2-on-pypi.md).
Thermal images: 32FC1 carries degrees Celsius; 16UC1 / mono16 carry counts on a linear scale, centikelvin by default
(the radiometric camera convention; others, such as 0.04 K per count, through a CountScale from the node's parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
import sys

import numpy as np
from sensor_msgs.msg import Image
from std_msgs.msg import Header

# encoding -> (dtype, channels)
ENCODINGS: dict[str, tuple[np.dtype, int]] = {
    'rgb8': (np.dtype(np.uint8), 3),
    'bgr8': (np.dtype(np.uint8), 3),
    'mono8': (np.dtype(np.uint8), 1),
    '16UC1': (np.dtype(np.uint16), 1),
    'mono16': (np.dtype(np.uint16), 1),
    '32FC1': (np.dtype(np.float32), 1),
}
TEMPERATURE_ENCODINGS = ('32FC1', '16UC1', 'mono16')  # degC, counts (centikelvin unless configured)
CENTIKELVIN_PER_KELVIN = 100.0
KELVIN_OFFSET = 273.15


@dataclass(frozen=True)
class CountScale:
    """Linear map of a 16-bit radiometric image: T [degC] = count * kelvin_per_count + offset_c."""

    kelvin_per_count: float = 1.0 / CENTIKELVIN_PER_KELVIN
    offset_c: float = -KELVIN_OFFSET

    def __post_init__(self) -> None:
        if not (np.isfinite(self.kelvin_per_count) and self.kelvin_per_count > 0 and np.isfinite(self.offset_c)):
            raise ValueError(f'thermal count scale must be a positive finite K per count and a finite offset, '
                             f'got {self.kelvin_per_count} K/count, {self.offset_c} degC')


CENTIKELVIN = CountScale()


class ImageConversionError(ValueError):
    """The message cannot be read as the array it claims to be."""


def image_to_numpy(msg: Image, copy: bool = True) -> np.ndarray:
    """H x W (one channel) or H x W x 3 array in the message's own encoding and channel order.

    A copy by default; with copy=False, 8-bit images come back as a read-only view of the message's bytes (a
    1080p frame is 6 MB: the line camera's 30 frames per second should not be copied for nothing)."""
    if msg.encoding not in ENCODINGS:
        raise ImageConversionError(f'unsupported encoding {msg.encoding!r}; supported: {", ".join(ENCODINGS)}')
    dtype, channels = ENCODINGS[msg.encoding]
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    if height == 0 or width == 0:
        raise ImageConversionError(f'empty image ({width} x {height})')
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise ImageConversionError(f'step {step} is shorter than a row of {width} {msg.encoding} pixels '
                                   f'({row_bytes} B)')
    try:
        raw = np.frombuffer(msg.data, np.uint8)      # bytes, bytearray, array.array: no copy
    except TypeError:
        raw = np.asarray(msg.data, np.uint8)         # a plain list
    needed = step * (height - 1) + row_bytes         # the last row need not be padded
    if raw.size < needed:
        raise ImageConversionError(f'data has {raw.size} B, a {width} x {height} {msg.encoding} image with step '
                                   f'{step} needs {needed} B')
    pixels = np.lib.stride_tricks.as_strided(raw, shape=(height, row_bytes), strides=(step, 1), writeable=False)
    if not copy and dtype.itemsize == 1:
        return pixels.reshape(height, width, channels) if channels > 1 else pixels
    wire = dtype.newbyteorder('>' if msg.is_bigendian else '<') if dtype.itemsize > 1 else dtype
    # view in the sender's byte order, then copy into native order and memory the message does not own
    array = np.ascontiguousarray(pixels).view(wire).astype(dtype, copy=True)
    return array.reshape(height, width, channels) if channels > 1 else array.reshape(height, width)


def numpy_to_image(array: np.ndarray, encoding: str, header: Header | None = None) -> Image:
    """Image message of `array` (H x W or H x W x 3, matching the encoding's dtype and channels)."""
    if encoding not in ENCODINGS:
        raise ImageConversionError(f'unsupported encoding {encoding!r}; supported: {", ".join(ENCODINGS)}')
    dtype, channels = ENCODINGS[encoding]
    array = np.asarray(array)
    expected_ndim = 3 if channels > 1 else 2
    if array.ndim != expected_ndim or (channels > 1 and array.shape[2] != channels) or array.size == 0:
        raise ImageConversionError(f'{encoding} needs a non-empty {"H x W x 3" if channels > 1 else "H x W"} array, '
                                   f'got shape {array.shape}')
    if array.dtype != dtype:
        raise ImageConversionError(f'{encoding} needs {dtype} pixels, got {array.dtype}')
    array = np.ascontiguousarray(array)
    msg = Image(header=header if header is not None else Header(), height=array.shape[0], width=array.shape[1],
                encoding=encoding, is_bigendian=sys.byteorder == 'big', step=array.shape[1] * channels * dtype.itemsize)
    msg.data = array.tobytes()
    return msg


def as_rgb(msg: Image) -> np.ndarray:
    """H x W x 3 uint8 RGB from rgb8, bgr8 or mono8."""
    array = image_to_numpy(msg)
    if msg.encoding == 'rgb8':
        return array
    if msg.encoding == 'bgr8':
        return np.ascontiguousarray(array[..., ::-1])
    if msg.encoding == 'mono8':
        return np.repeat(array[..., None], 3, axis=2)
    raise ImageConversionError(f'{msg.encoding} is not a colour encoding (rgb8, bgr8, mono8)')


def celsius_to_centikelvin(thermal_c: np.ndarray) -> np.ndarray:
    """Degrees Celsius (float) -> uint16 centikelvin, saturating at the 16-bit range."""
    value = np.round((np.asarray(thermal_c, np.float64) + KELVIN_OFFSET) * CENTIKELVIN_PER_KELVIN)
    return np.clip(value, 0, np.iinfo(np.uint16).max).astype(np.uint16)


def centikelvin_to_celsius(thermal_ck: np.ndarray) -> np.ndarray:
    """uint16 centikelvin -> float32 degrees Celsius."""
    return (np.asarray(thermal_ck, np.float32) / np.float32(CENTIKELVIN_PER_KELVIN) - np.float32(KELVIN_OFFSET))


def as_celsius(msg: Image, counts: CountScale = CENTIKELVIN) -> np.ndarray:
    """H x W float32 degrees Celsius from 32FC1 (degC) or 16UC1 / mono16 (counts on the linear scale `counts`)."""
    array = image_to_numpy(msg)
    if msg.encoding == '32FC1':
        return array
    if msg.encoding in ('16UC1', 'mono16'):
        if counts == CENTIKELVIN:
            return centikelvin_to_celsius(array)
        return (array.astype(np.float64) * counts.kelvin_per_count + counts.offset_c).astype(np.float32)
    raise ImageConversionError(f'{msg.encoding} is not a temperature encoding (32FC1 degC, 16UC1 / mono16 counts)')
