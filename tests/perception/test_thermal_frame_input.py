import hashlib
import json
from pathlib import Path
import shutil

from fracturescope_common.image_conversion import numpy_to_image
from fracturescope_perception.thermal_monitor.frame_input import (
    REJECTION_REASONS,
    FrameRejectedError,
    RateAndLatency,
    celsius_frame,
    model_id,
)
from fracturescope_sim.equipment_frames import HEIGHT, WIDTH, synthesize_frame
from fracturescope_sim.equipment_thermal_camera import BAD_VARIANTS, EquipmentCameraConfig, EquipmentThermalCamera
import numpy as np
import pytest
from sensor_msgs.msg import Image

MODELS = Path(__file__).resolve().parents[2] / 'src' / 'fracturescope_perception' / 'models'
CARD = MODELS / 'thermal_monitor' / 'thermal_monitor.card.json'
SENSOR_RANGE = (-40.0, 300.0)   # config/thermal_monitor.yaml


def reason(msg):
    with pytest.raises(FrameRejectedError) as rejected:
        celsius_frame(msg, HEIGHT, WIDTH, SENSOR_RANGE)
    return rejected.value.reason


def test_degc_and_centikelvin_frames_are_read_as_degc():
    frame = synthesize_frame('hot', (1, 2))
    np.testing.assert_array_equal(celsius_frame(numpy_to_image(frame, '32FC1'), HEIGHT, WIDTH, SENSOR_RANGE), frame)
    centikelvin = np.rint((frame.astype(np.float64) + 273.15) * 100).astype(np.uint16)
    np.testing.assert_allclose(celsius_frame(numpy_to_image(centikelvin, '16UC1'), HEIGHT, WIDTH, SENSOR_RANGE),
                               frame, atol=0.006)


def test_each_bad_frame_is_refused_with_its_reason():
    frame = synthesize_frame('warm', (3, 4))
    good = numpy_to_image(frame, '32FC1')
    assert reason(numpy_to_image((frame * 2).astype(np.uint8), 'mono8')) == 'bad_encoding'
    assert reason(Image(height=HEIGHT, width=WIDTH, encoding='yuv422', step=WIDTH * 2,
                        data=bytes(WIDTH * HEIGHT * 2))) == 'bad_encoding'
    assert reason(Image(height=HEIGHT, width=WIDTH, encoding='32FC1', step=WIDTH * 4, data=b'')) == 'empty_image'
    assert reason(Image(height=0, width=0, encoding='16UC1', step=0, data=b'')) == 'empty_image'
    assert reason(numpy_to_image(np.zeros((HEIGHT, WIDTH + 1), np.float32), '32FC1')) == 'bad_size'
    assert reason(numpy_to_image(np.zeros((WIDTH, HEIGHT), np.float32), '32FC1')) == 'bad_size'  # transposed
    truncated = Image(header=good.header, height=HEIGHT, width=WIDTH, encoding='32FC1', step=WIDTH * 4,
                      data=bytes(good.data)[:-4])
    assert reason(truncated) == 'malformed'
    short_step = Image(height=HEIGHT, width=WIDTH, encoding='32FC1', step=WIDTH, data=bytes(good.data))
    assert reason(short_step) == 'malformed'
    for value in (np.nan, np.inf, -np.inf):
        broken = frame.copy()
        broken[5, 7] = value
        with pytest.raises(FrameRejectedError, match='1 of 768 temperatures'):
            celsius_frame(numpy_to_image(broken, '32FC1'), HEIGHT, WIDTH, SENSOR_RANGE)
    for impossible in (-1272.0, 3e38):                       # what a broken sensor or an attacker sent
        broken = frame.copy()
        broken[2, 3] = impossible
        assert reason(numpy_to_image(broken, '32FC1')) == 'temperature_out_of_range'
    with pytest.raises(ValueError, match='unknown rejection reason'):
        FrameRejectedError('too_hot', '')
    # too_large (over max_image_bytes) and the stamps are judged by the node before this module reads the frame
    assert set(REJECTION_REASONS) == {'too_large', 'bad_encoding', 'empty_image', 'bad_size', 'malformed',
                                      'nan_temperature', 'temperature_out_of_range', 'stamp_too_old',
                                      'stamp_in_future'}


def test_every_bad_frame_of_the_simulated_camera_is_refused_for_its_own_reason():
    camera = EquipmentThermalCamera(EquipmentCameraConfig(seed=4, bad_frame_share=1.0))
    expected = {'nan_pixels': 'nan_temperature', 'wrong_encoding': 'bad_encoding', 'wrong_size': 'bad_size'}
    frames = [camera.frame(i) for i in range(40)]
    assert {f.variant for f in frames} == set(BAD_VARIANTS) == set(expected)
    for frame in frames:
        assert reason(numpy_to_image(frame.pixels, frame.encoding)) == expected[frame.variant]


def test_model_id_is_the_cards_name_and_version_else_the_model_files_hash(tmp_path):
    card = json.loads(CARD.read_text())
    assert model_id(CARD) == f"thermal-monitor-cnn@{card['version']}"
    shutil.copy(CARD.parent / card['model_file'], tmp_path / card['model_file'])
    del card['version']
    (tmp_path / 'card.json').write_text(json.dumps(card))
    onnx = (CARD.parent / card['model_file']).read_bytes()
    assert model_id(tmp_path / 'card.json') == f'thermal-monitor-cnn@{hashlib.sha256(onnx).hexdigest()[:12]}'


def test_rate_and_latency_over_the_window():
    stats = RateAndLatency(window=5)
    assert stats.rate_hz() == 0.0 and stats.percentile_ms(95) == 0.0
    for i in range(10):  # 4 Hz, processing 1..10 ms; the window keeps the last 5
        stats.add(100.0 + 0.25 * i, float(i + 1))
    assert stats.rate_hz() == pytest.approx(4.0)
    assert stats.percentile_ms(50) == pytest.approx(8.0)
    assert stats.percentile_ms(95) == pytest.approx(9.8)
