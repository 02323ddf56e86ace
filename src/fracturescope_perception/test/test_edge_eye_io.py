"""Image input, configuration from the parameter files, the shipped Fast-ESPCN model and the debug image."""

from pathlib import Path

from fracturescope_common.image_conversion import ImageConversionError
from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_perception.edge_eye import settings
from fracturescope_perception.edge_eye.debug_view import debug_image
from fracturescope_perception.edge_eye.distortion_correction import DistortionCorrection
from fracturescope_perception.edge_eye.image_input import is_blank, tracker_frame
from fracturescope_perception.edge_eye.subpixel import refine_vertical
from fracturescope_perception.edge_eye.super_resolution import EspcnUpsampler
from fracturescope_perception.edge_eye.tracker import EdgeResult, Status
from fracturescope_perception.nodes.edge_tracker_parameters import PARAMETERS
import numpy as np
import pytest
from sensor_msgs.msg import Image

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / 'src' / 'fracturescope_perception' / 'models' / 'fast_espcn_x2.onnx'


def parameters():
    values = read_node_parameters(ROOT / 'config' / 'edge_eye.yaml', 'edge_tracker')
    values.update(read_node_parameters(ROOT / 'config' / 'edge_eye_calibration.yaml', 'edge_tracker'))
    return values


def image(encoding, height, width, step, data):
    return Image(encoding=encoding, height=height, width=width, step=step, data=data)


def test_rgb_bgr_and_mono_are_read_without_surprises():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert np.array_equal(tracker_frame(image('rgb8', 2, 3, 9, rgb.tobytes())), rgb)
    assert np.array_equal(tracker_frame(image('bgr8', 2, 3, 9, rgb[..., ::-1].tobytes())), rgb)
    padded = np.zeros((2, 4), np.uint8)
    padded[:, :3] = [[1, 2, 3], [4, 5, 6]]
    assert tracker_frame(image('mono8', 2, 3, 4, padded.tobytes())).tolist() == [[1, 2, 3], [4, 5, 6]]


def test_rgb_frames_are_read_without_a_copy():
    msg = image('rgb8', 2, 3, 9, bytes(range(18)))
    frame = tracker_frame(msg)
    assert not frame.flags.writeable and np.shares_memory(frame, np.frombuffer(msg.data, np.uint8))


@pytest.mark.parametrize('fields, message', [
    (('yuv422', 2, 3, 6, bytes(12)), 'not supported'),
    (('16UC1', 2, 3, 6, bytes(12)), 'not supported'),
    (('rgb8', 2, 3, 9, bytes(17)), 'needs 18 B'),
    (('rgb8', 2, 3, 8, bytes(16)), 'shorter than a row'),
])
def test_bad_images_are_refused_with_the_reason(fields, message):
    with pytest.raises(ImageConversionError, match=message):
        tracker_frame(image(*fields))


def test_wrong_size_is_refused():
    with pytest.raises(ImageConversionError, match='expected 1920x1080'):
        tracker_frame(image('rgb8', 2, 3, 9, bytes(18)), expected_size=(1920, 1080))


def test_blank_frames():
    assert is_blank(np.zeros((1080, 1920, 3), np.uint8), 8)
    assert is_blank(np.full((1080, 1920), 255, np.uint8), 8)
    frame = np.zeros((1080, 1920, 3), np.uint8)
    frame[:, 960:] = 200
    assert not is_blank(frame, 8)


def test_config_files_give_every_node_parameter_and_a_tracker_configuration():
    values = parameters()
    assert {spec.name for spec in PARAMETERS} <= set(values)
    config = settings.tracker_config(values)
    assert config.bar_rows['white'] == (420, 480) and config.cache_pool == 80
    assert config.cache_skip_threshold == 0.03  # the paper's values
    calibration = settings.calibration(values)
    assert calibration.camera_matrix.shape == (3, 3) and calibration.rms_px < 0.2
    with pytest.raises(ValueError, match='two values'):
        settings.tracker_config({**values, 'bar_columns': [1, 2, 3]})


def test_shipped_fast_espcn_doubles_the_mroi_and_keeps_the_edge():
    """The ONNX file in models/ (rebuilt by fracturescope-edge-eye-train-espcn) runs in onnxruntime."""
    assert MODEL.stat().st_size < 100_000
    xs = np.arange(48, dtype=np.float64)
    lr = np.tile(np.where(xs < 20.3, 40.0, 200.0), (30, 1))
    lr[:, 20] = 40.0 + 160.0 * 0.2  # 20 % of pixel 20 covered: the edge at 20.3 (pixel centres at integers)
    (sr,) = EspcnUpsampler(MODEL).upsample([lr.astype(np.uint8)])
    assert sr.shape == (60, 96) and sr.dtype == np.uint8
    x = (refine_vertical(sr, 40.6, (4, 56), 4) + 0.5) / 2 - 0.5
    assert x == pytest.approx(20.3, abs=0.25)


def test_debug_image_is_half_size_with_the_measurement_drawn():
    values = parameters()
    correction = DistortionCorrection(settings.calibration(values))
    frame = np.full((1080, 1920, 3), 60, np.uint8)
    result = EdgeResult(Status.OK, 900.0, 2700.0, 'white', False, 3.0, 1.0)
    view = debug_image(frame, result, correction, 1.87)
    assert view.shape == (540, 960, 3)
    assert (view != 60).any()  # the status text at least


def test_an_unrecognised_frame_publishes_no_positions_not_the_last_good_ones():
    from fracturescope_perception.nodes.edge_tracker import published_positions
    assert published_positions(Status.OK, EdgeResult(Status.OK, 900.0, 2700.0, 'white', False, 3.0, 1.0)) == \
        (900.0, 2700.0)
    assert published_positions(Status.REPAIRED, EdgeResult(Status.REPAIRED, 901.0, 2699.0, 'white', False, 3.0,
                                                           1.0)) == (901.0, 2699.0)
    lost = EdgeResult(Status.UNRECOGNISED, float('nan'), float('nan'), 'white', False, 3.0, 1.0)
    assert published_positions(Status.UNRECOGNISED, lost) == (0.0, 0.0)
    assert published_positions(Status.UNRECOGNISED, None) == (0.0, 0.0)      # a frame that could not be read
    assert published_positions(Status.NO_MATERIAL, lost) == (0.0, 0.0)
