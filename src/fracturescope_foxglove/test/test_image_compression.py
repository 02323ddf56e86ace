"""Raw frames as JPEG: colour and grey within JPEG error of the frame, temperatures in false colour or grey scaled
to the frame, what cannot be shown refused with the reason, and the rate gate."""

import cv2
from fracturescope_common.image_conversion import ImageConversionError, celsius_to_centikelvin, numpy_to_image
from fracturescope_foxglove.image_compression import RateGate, check_settings, compress, scaled_to_8bit
import numpy as np
import pytest
from sensor_msgs.msg import Image

H, W = 96, 128


def picture() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    rgb = np.stack([x / W * 255, y / H * 255, 128 + 90 * np.sin((x + y) / 11.0)], axis=2)
    rgb[20:50, 30:70] = (230, 30, 40)             # a red block: channel order shows
    return rgb.astype(np.uint8)


def decoded(msg: Image, quality: int = 90, palette: str = 'inferno', flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    jpeg = compress(msg, quality, palette)
    assert jpeg.format == 'jpeg' and jpeg.header == msg.header
    return cv2.imdecode(np.frombuffer(bytes(jpeg.data), np.uint8), flags)


@pytest.mark.parametrize('encoding', ['rgb8', 'bgr8'])
def test_colour_frames_come_back_within_jpeg_error(encoding):
    rgb = picture()
    msg = numpy_to_image(rgb if encoding == 'rgb8' else rgb[..., ::-1].copy(), encoding)
    msg.header.frame_id = 'rgb_optical'
    bgr = decoded(msg)
    error = np.abs(bgr[..., ::-1].astype(int) - rgb).mean()
    swapped = np.abs(bgr.astype(int) - rgb).mean()   # what a channel-order mistake would give
    assert error < 3.0 and swapped > 20.0, (error, swapped)


def test_grey_frames_stay_grey():
    grey = picture()[..., 1]
    out = decoded(numpy_to_image(grey, 'mono8'))
    assert out.ndim == 2 and np.abs(out.astype(int) - grey).mean() < 2.0


def test_temperatures_in_false_colour_coldest_dark_hottest_bright():
    frame = np.full((24, 32), 20.0, np.float32)
    frame[10:14, 20:26] = 80.0                    # a hot bearing
    frame[0:2, 0:4] = np.nan                      # dead pixels
    for msg in (numpy_to_image(frame, '32FC1'), numpy_to_image(celsius_to_centikelvin(np.nan_to_num(frame, nan=20.0)),
                                                               '16UC1')):
        out = decoded(msg, flags=cv2.IMREAD_COLOR)
        assert out.shape == (24, 32, 3)
        hot, cold = out[11, 22].astype(int), out[20, 5].astype(int)
        assert hot.sum() > 500 and cold.sum() < 60, (hot, cold)     # inferno: yellow-white vs black
        assert hot[2] > hot[0]                                      # BGR: warm hue, more red than blue
        grey = decoded(msg, palette='grey')
        assert grey.ndim == 2 and grey[11, 22] > 240 and grey[20, 5] < 15


def test_scaling_ignores_non_finite_values_and_survives_a_flat_frame():
    values = np.array([[np.nan, 10.0, 20.0, np.inf]], np.float32)
    assert scaled_to_8bit(values).tolist() == [[0, 0, 255, 0]]
    assert scaled_to_8bit(np.full((2, 2), 5.0)).tolist() == [[0, 0], [0, 0]]
    assert scaled_to_8bit(np.full((2, 2), np.nan)).tolist() == [[0, 0], [0, 0]]


def test_quality_trades_size_for_error():
    msg = numpy_to_image(picture(), 'rgb8')
    small, large = compress(msg, 20, 'grey'), compress(msg, 95, 'grey')
    assert len(small.data) < 0.5 * len(large.data) < 0.5 * msg.height * msg.step


def test_what_cannot_be_shown_is_refused_with_the_reason():
    with pytest.raises(ImageConversionError, match="'yuv422'"):
        compress(Image(height=2, width=2, encoding='yuv422', step=4, data=bytes(8)), 80, 'grey')
    with pytest.raises(ImageConversionError, match='needs 12 B'):
        compress(Image(height=2, width=2, encoding='rgb8', step=6, data=bytes(5)), 80, 'grey')


def test_settings_are_checked():
    check_settings(1, 'inferno')
    check_settings(100, 'grey')
    for quality, palette in ((0, 'grey'), (101, 'grey'), (80, 'jet')):
        with pytest.raises(ValueError):
            check_settings(quality, palette)


def test_rate_gate_lets_through_at_most_the_rate():
    gate = RateGate()
    arrivals = [int(i * 1e9 / 30) for i in range(90)]            # 3 s of a 30 fps camera
    admitted = [t for t in arrivals if gate.admit(t, 5.0)]
    assert len(admitted) == 15 and min(np.diff(admitted)) >= 0.2e9 - 1
    rng = np.random.default_rng(3)
    jittered = np.sort(np.array(arrivals) + rng.integers(0, int(20e6), len(arrivals)))   # up to 20 ms late
    gate = RateGate()
    admitted = [t for t in jittered if gate.admit(int(t), 5.0)]
    assert 14 <= len(admitted) <= 15 and np.diff(admitted).mean() >= 0.19e9
    unlimited = RateGate()
    assert all(unlimited.admit(t, 0.0) for t in arrivals)
    assert gate.admit(0, 5.0)                                      # the clock went back: not stuck until it catches up
