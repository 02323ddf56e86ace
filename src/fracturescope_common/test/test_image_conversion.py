import array
import sys

from fracturescope_common.image_conversion import (
    ENCODINGS,
    CountScale,
    ImageConversionError,
    as_celsius,
    as_rgb,
    image_to_numpy,
    numpy_to_image,
)
import numpy as np
import pytest
from sensor_msgs.msg import Image
from std_msgs.msg import Header

RNG = np.random.default_rng(0)
SAMPLES = {
    'rgb8': RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8),
    'bgr8': RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8),
    'mono8': RNG.integers(0, 256, (5, 7), dtype=np.uint8),
    '16UC1': RNG.integers(0, 65536, (5, 7), dtype=np.uint16),
    'mono16': RNG.integers(0, 65536, (5, 7), dtype=np.uint16),
    '32FC1': RNG.normal(20, 5, (5, 7)).astype(np.float32),
}


@pytest.mark.parametrize('encoding', list(ENCODINGS))
def test_round_trip_every_encoding(encoding):
    header = Header(frame_id='cam')
    header.stamp.sec = 12
    msg = numpy_to_image(SAMPLES[encoding], encoding, header)
    assert (msg.height, msg.width, msg.encoding, msg.header.frame_id) == (5, 7, encoding, 'cam')
    back = image_to_numpy(msg)
    assert back.dtype == SAMPLES[encoding].dtype and np.array_equal(back, SAMPLES[encoding])
    back[...] = 0                        # the array is a copy: the message is untouched
    assert np.array_equal(image_to_numpy(msg), SAMPLES[encoding])


def test_padded_rows_and_big_endian_data():
    values = SAMPLES['16UC1']
    padded = np.zeros((5, 7 * 2 + 6), np.uint8)
    padded[:, :14] = values.astype('>u2').view(np.uint8).reshape(5, 14)
    msg = Image(height=5, width=7, encoding='16UC1', is_bigendian=True, step=20)
    msg.data = padded.tobytes()[:-6]     # the last row unpadded is valid too
    assert np.array_equal(image_to_numpy(msg), values)


def test_data_as_array_or_list_is_accepted():
    msg = numpy_to_image(SAMPLES['mono8'], 'mono8')
    msg.data = array.array('B', SAMPLES['mono8'].tobytes())
    assert np.array_equal(image_to_numpy(msg), SAMPLES['mono8'])
    msg.data = SAMPLES['mono8'].ravel().tolist()
    assert np.array_equal(image_to_numpy(msg), SAMPLES['mono8'])


def test_colour_and_temperature_views():
    rgb = SAMPLES['rgb8']
    assert np.array_equal(as_rgb(numpy_to_image(rgb, 'rgb8')), rgb)
    assert np.array_equal(as_rgb(numpy_to_image(np.ascontiguousarray(rgb[..., ::-1]), 'bgr8')), rgb)
    mono = as_rgb(numpy_to_image(SAMPLES['mono8'], 'mono8'))
    assert mono.shape == (5, 7, 3) and np.array_equal(mono[..., 1], SAMPLES['mono8'])
    t = as_celsius(numpy_to_image(np.array([[27315, 29315]], np.uint16), '16UC1'))
    assert t.dtype == np.float32 and t[0].tolist() == pytest.approx([0.0, 20.0], abs=1e-4)
    assert np.array_equal(as_celsius(numpy_to_image(SAMPLES['32FC1'], '32FC1')), SAMPLES['32FC1'])
    with pytest.raises(ImageConversionError, match='not a colour'):
        as_rgb(numpy_to_image(SAMPLES['32FC1'], '32FC1'))
    with pytest.raises(ImageConversionError, match='not a temperature'):
        as_celsius(numpy_to_image(SAMPLES['rgb8'], 'rgb8'))


def test_radiometric_counts_follow_the_configured_linear_scale():
    counts = np.array([[7000, 7500]], np.uint16)
    tlinear = CountScale(kelvin_per_count=0.04, offset_c=-273.15)   # 0.04 K per count, as some cores report
    for encoding in ('16UC1', 'mono16'):
        t = as_celsius(numpy_to_image(counts, encoding), tlinear)
        assert t.dtype == np.float32 and t[0].tolist() == pytest.approx([6.85, 26.85], abs=1e-4)
    raw = as_celsius(numpy_to_image(counts, 'mono16'), CountScale(kelvin_per_count=0.01, offset_c=-40.0))
    assert raw[0].tolist() == pytest.approx([30.0, 35.0], abs=1e-4)
    for bad in ((0.0, 0.0), (-0.01, 0.0), (float('nan'), 0.0), (0.01, float('inf'))):
        with pytest.raises(ValueError, match='count scale'):
            CountScale(*bad)


@pytest.mark.parametrize('mutate,message', [
    (lambda m: setattr(m, 'encoding', 'yuv422'), 'unsupported encoding'),
    (lambda m: setattr(m, 'height', 0), 'empty image'),
    (lambda m: setattr(m, 'step', 6), 'shorter than a row'),
    (lambda m: setattr(m, 'data', bytes(10)), 'needs'),
    (lambda m: setattr(m, 'data', b''), 'needs'),
])
def test_malformed_messages_are_refused_with_the_reason(mutate, message):
    msg = numpy_to_image(SAMPLES['rgb8'], 'rgb8')
    mutate(msg)
    with pytest.raises(ImageConversionError, match=message):
        image_to_numpy(msg)


def test_writing_checks_shape_and_dtype():
    with pytest.raises(ImageConversionError, match='float32'):
        numpy_to_image(SAMPLES['16UC1'], '32FC1')
    with pytest.raises(ImageConversionError, match='H x W x 3'):
        numpy_to_image(SAMPLES['mono8'], 'rgb8')
    with pytest.raises(ImageConversionError, match='unsupported'):
        numpy_to_image(SAMPLES['mono8'], 'jpeg')
    assert numpy_to_image(SAMPLES['32FC1'], '32FC1').is_bigendian == (sys.byteorder == 'big')
