"""The detector's camera images as arrays: what it classifies, and the reason it refuses a pair it cannot."""

from fracturescope_common.image_conversion import CountScale, numpy_to_image
from fracturescope_perception.fusion.classifier import PairError
from fracturescope_perception.nodes.defect_detector_messages import pair_arrays
import numpy as np
import pytest

RANGE_C = (-40.0, 550.0)
RGB = numpy_to_image(np.full((4, 6, 3), 120, np.uint8), 'rgb8')


def test_a_pair_becomes_rgb_and_degrees_celsius():
    thermal = numpy_to_image(np.full((2, 3), 29315, np.uint16), '16UC1')   # centikelvin
    rgb, thermal_c = pair_arrays(RGB, thermal, CountScale(), RANGE_C)
    assert rgb.shape == (4, 6, 3) and rgb.dtype == np.uint8
    np.testing.assert_allclose(thermal_c, 20.0, atol=1e-3)
    scaled = pair_arrays(RGB, numpy_to_image(np.full((2, 3), 500, np.uint16), 'mono16'), CountScale(0.04, -20.0),
                         RANGE_C)[1]
    np.testing.assert_allclose(scaled, 0.0, atol=1e-6)   # 500 counts x 0.04 K - 20 degC


@pytest.mark.parametrize('rgb, thermal, reason', [
    (numpy_to_image(np.zeros((4, 6), np.uint16), 'mono16'), numpy_to_image(np.zeros((2, 3), np.float32), '32FC1'),
     'bad_rgb_image'),
    (RGB, numpy_to_image(np.zeros((2, 3, 3), np.uint8), 'rgb8'), 'bad_thermal_image'),
    (RGB, numpy_to_image(np.full((2, 3), 900.0, np.float32), '32FC1'), 'temperature_out_of_range'),
])
def test_a_pair_that_cannot_be_classified_says_why(rgb, thermal, reason):
    with pytest.raises(PairError) as refused:
        pair_arrays(rgb, thermal, CountScale(), RANGE_C)
    assert refused.value.reason == reason
