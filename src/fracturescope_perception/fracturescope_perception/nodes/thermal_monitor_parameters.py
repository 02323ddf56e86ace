"""Parameters of the thermal monitor node (values: config/thermal_monitor.yaml)."""

from fracturescope_common.params import ParameterSpec
from rclpy.parameter import Parameter

D, INT, S = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING
PARAMETERS = (
    ParameterSpec('model_card', S, 'model card JSON: the seed network (ONNX beside it) or an installation learnt by '
                  'teach-in (.npz beside it); relative to the package share folder (path)'),
    ParameterSpec('installation_dir', S, 'folder the learn service writes installation cards into (path)'),
    ParameterSpec('thermal_kelvin_per_count', D, '16UC1 / mono16 frames: temperature step of one count (K)'),
    ParameterSpec('thermal_count_offset_c', D, '16UC1 / mono16 frames: temperature of count 0 (degC)'),
    ParameterSpec('thermal_min_c', D, 'lowest temperature the sensor reports; frames with colder pixels are refused '
                  '(degC)'),
    ParameterSpec('thermal_max_c', D, 'highest temperature the sensor reports (degC)'),
    ParameterSpec('max_image_bytes', INT, 'frames with more data are refused before decoding; the image reader is '
                  'then made anew to give its memory back (B)'),
    ParameterSpec('max_stamp_age_s', D, 'frames stamped longer ago by the node clock are refused (s)'),
    ParameterSpec('max_stamp_future_s', D, 'frames stamped further ahead of the node clock are refused (s)'),
    ParameterSpec('alert_threshold', D, 'alert when the anomaly probability exceeds this (0..1)', runtime=True),
    ParameterSpec('annotation_scale', INT, 'thermal_monitor/annotated: pixels per thermal pixel (px)'),
    ParameterSpec('inference_threads', INT, 'onnxruntime intra-op threads (count)'),
    ParameterSpec('stats_window', INT, 'frames over which rate and latency percentiles are computed (frames)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)
