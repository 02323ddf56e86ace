"""The tracker's configuration from flat parameters (config/edge_eye.yaml), without ROS."""

from collections.abc import Mapping

from fracturescope_perception.edge_eye.availability import AvailabilityConfig
from fracturescope_perception.edge_eye.calibration import calibration_from_parameters
from fracturescope_perception.edge_eye.distortion_correction import Calibration, DistortionCorrection
from fracturescope_perception.edge_eye.mroi import MroiConfig
from fracturescope_perception.edge_eye.sheet_plane import BarLine, SheetPlaneGeometry
from fracturescope_perception.edge_eye.tracker import TrackerConfig

# TrackerConfig fields set from the parameter of the same name.
_SAME_NAME = (
    'mm_per_px', 'bar_window_px', 'bar_step_px', 'bar_end_margin_px', 'contrast_enabled', 'contrast_threshold',
    'sharpen', 'smooth_sigma_px', 'cache_enabled', 'cache_pool', 'cache_skip_threshold', 'cache_verify_every',
    'cache_tolerance_px', 'canny_start_high', 'canny_step', 'canny_min_high', 'canny_margin_steps', 'canny_low_ratio',
    'canny_points_factor', 'line_fraction', 'history_frames', 'max_gap_px', 'subpixel', 'camera_gamma',
    'fusion_gate_px',
    'single_estimate_gate_px',
    'repair_history', 'weighted_repair', 'repair_iqr_k', 'repair_min_fence_px', 'repair_min_history',
    'repair_agree_px', 'reinit_after', 'one_bar_max_frames',
    'blank_range', 'x_origin_mm', 'coverage_share', 'coverage_gap_px',
    'coverage_window_px', 'coverage_bar_side_px', 'coverage_tolerance_px', 'coverage_bridge_px', 'appearance_share',
    'appearance_window_px', 'appearance_reference_px', 'appearance_learn_rate',
)


def _pair(values: Mapping[str, object], name: str) -> tuple[int, int]:
    value = values[name]
    if len(value) != 2:
        raise ValueError(f'{name} needs two values, got {list(value)}')
    return int(value[0]), int(value[1])


def tracker_config(values: Mapping[str, object]) -> TrackerConfig:
    """Every TrackerConfig field from `values` (parameter name -> value)."""
    return TrackerConfig(
        width=int(values['width']), height=int(values['height']),
        bar_rows={'white': _pair(values, 'white_bar_rows'), 'black': _pair(values, 'black_bar_rows')},
        bar_columns=_pair(values, 'bar_columns'),
        availability=AvailabilityConfig(_pair(values, 'availability_rows'), _pair(values, 'availability_cols'),
                                        float(values['h_update']), float(values['h_material']),
                                        float(values['empty_update_period_s']),
                                        float(values['bar_min_contrast']), float(values['bar_max_covered'])),
        mroi=MroiConfig(int(values['row_margin_px']), int(values['x_sigma_px']), int(values['tau_x_px']),
                        int(values['recentre_px'])),
        contrast_window=_pair(values, 'contrast_window'),
        **{name: values[name] for name in _SAME_NAME},
    )


def calibration(values: Mapping[str, object]) -> Calibration:
    return calibration_from_parameters(values['camera_matrix'], values['distortion_coefficients'],
                                       int(values['width']), int(values['height']),
                                       float(values['calibration_rms_px']))


def geometry(values: Mapping[str, object]) -> SheetPlaneGeometry:
    """Camera roll and bar tilts (sheet_plane.py); the tilts pivot on the view's centre column."""
    return SheetPlaneGeometry(float(values['camera_roll_deg']),
                              (BarLine(_pair(values, 'white_bar_rows'), float(values['white_bar_tilt_deg'])),
                               BarLine(_pair(values, 'black_bar_rows'), float(values['black_bar_tilt_deg']))),
                              int(values['width']) / 2.0)


def correction(values: Mapping[str, object]) -> DistortionCorrection:
    """The lens correction into the sheet-plane view the tracker works in."""
    return DistortionCorrection(calibration(values), geometry(values))
