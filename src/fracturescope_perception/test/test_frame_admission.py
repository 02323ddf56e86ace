from fracturescope_perception.fusion.frame_admission import FrameLimits, check_temperatures, frame_refusal
from fracturescope_perception.fusion.frame_tiles import PairError
import numpy as np
import pytest

LIMITS = FrameLimits(max_width_px=4096, max_height_px=3072, max_bytes=4096 * 3072 * 3, max_age_s=5.0,
                     max_future_s=1.0)
NOW = 1_800_000_000 * 10**9


@pytest.mark.parametrize('width, height, size, stamp, reason', [
    (1920, 1080, 1920 * 1080 * 3, NOW - 10**8, None),
    (10000, 10000, 300_000_000, NOW, 'too_large'),                  # a 100 MB frame: refused unread
    (1920, 1080, 100_000_000, NOW, 'too_large'),                     # small header, huge data
    (1920, 1080, 1920 * 1080 * 3, NOW - 6 * 10**9, 'stamp_too_old'),
    (1920, 1080, 1920 * 1080 * 3, 2_147_483_647 * 10**9, 'stamp_in_future'),   # stamped 2038
    (1920, 1080, 1920 * 1080 * 3, NOW + 10**9, None),                # within the clock skew allowed
])
def test_frames_are_refused_for_size_and_stamp_before_decoding(width, height, size, stamp, reason):
    refused = frame_refusal(LIMITS, width, height, size, stamp, NOW)
    assert (refused[0] if refused else None) == reason


def test_temperatures_no_sensor_reports_are_refused_and_nan_left_to_the_pair_check():
    check_temperatures(np.array([[20.0, np.nan]], np.float32), (-40.0, 550.0))
    for impossible in (-1272.0, 3e38):
        with pytest.raises(PairError) as error:
            check_temperatures(np.array([[20.0, impossible]], np.float32), (-40.0, 550.0))
        assert error.value.reason == 'temperature_out_of_range'


def test_limits_must_be_positive():
    with pytest.raises(ValueError):
        FrameLimits(0, 1, 1, 1.0, 0.0)
