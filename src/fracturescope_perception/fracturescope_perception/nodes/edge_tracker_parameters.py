"""Parameters of the edge tracker node (values: config/edge_eye.yaml and config/edge_eye_calibration.yaml)."""

from typing import Any

from fracturescope_common.params import ParameterSpec
from rclpy.parameter import Parameter

_D, _I, _S, _B = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.BOOL
_DA, _IA = Parameter.Type.DOUBLE_ARRAY, Parameter.Type.INTEGER_ARRAY

PARAMETERS = (
    ParameterSpec('width', _I, 'expected image width (px)'),
    ParameterSpec('height', _I, 'expected image height (px)'),
    ParameterSpec('mm_per_px', _D, 'sheet-plane scale of the ideal view (mm/px)'),
    ParameterSpec('white_bar_rows', _IA, 'white reference bar, top and bottom rows of the ideal view (px)'),
    ParameterSpec('black_bar_rows', _IA, 'black reference bar rows (px)'),
    ParameterSpec('bar_columns', _IA, 'columns both bars span (px)'),
    ParameterSpec('camera_roll_deg', _D, 'camera turned about its optical axis, + turns the scene clockwise (deg)'),
    ParameterSpec('white_bar_tilt_deg', _D, "white bar's angle on the sheet plane, + lowers its right end (deg)"),
    ParameterSpec('black_bar_tilt_deg', _D, "black bar's angle on the sheet plane, + lowers its right end (deg)"),
    ParameterSpec('x_origin_mm', _D, 'sheet-plane position of column 0 of the view (mm)'),
    ParameterSpec('availability_rows', _IA, 'availability area rows in the captured frame (px)'),
    ParameterSpec('availability_cols', _IA, 'availability area columns (px)'),
    ParameterSpec('h_update', _D, 'entropy below which the empty frame is refreshed (nats)'),
    ParameterSpec('h_material', _D, 'entropy above which a sheet is in production (nats)'),
    ParameterSpec('empty_update_period_s', _D, 'how often the empty frame may be refreshed (s)'),
    ParameterSpec('bar_min_contrast', _D, 'white minus black bar level under which a bar column counts as covered by '
                  'a sheet (grey levels)'),
    ParameterSpec('bar_max_covered', _D, 'covered fraction of the bars above which a frame is not taken as the '
                  'empty frame (1)'),
    ParameterSpec('bar_window_px', _I, 'width n of the bar selection windows (px)'),
    ParameterSpec('bar_step_px', _I, 'step eta of the bar selection windows (px)'),
    ParameterSpec('bar_end_margin_px', _I, 'columns by the bar ends left out of the selection (px)'),
    ParameterSpec('row_margin_px', _I, 'mROI rows above and below the bar (px)'),
    ParameterSpec('x_sigma_px', _I, 'mROI search half-width around x(t-1) (px)'),
    ParameterSpec('tau_x_px', _I, 'mROI extension on the bar side (px)'),
    ParameterSpec('recentre_px', _I, 'move the mROI once the edge is this far from its centre (px)'),
    ParameterSpec('contrast_enabled', _B, 'contrast enhancement, eq. 6-7 (flag)'),
    ParameterSpec('contrast_window', _IA, 'm x n window of the contrast enhancement (px)'),
    ParameterSpec('contrast_threshold', _D, 'mean |Sobel x| over which a window is sharpened (grey levels)'),
    ParameterSpec('sharpen', _D, 'Laplacian weight of the sharpening (1)'),
    ParameterSpec('smooth_sigma_px', _D, 'Gaussian sigma of the smoothing (px)'),
    ParameterSpec('cache_enabled', _B, 'frame cache (flag)'),
    ParameterSpec('cache_pool', _I, 'LRU pool size (frames)'),
    ParameterSpec('cache_skip_threshold', _D, 'difference entropy under which a cached mROI is reused (nats)'),
    ParameterSpec('cache_verify_every', _I, 'measure every n-th cache hit anyway; 0 = never (hits)'),
    ParameterSpec('cache_tolerance_px', _D, 'a verified hit further off than this is a false positive (px)'),
    ParameterSpec('super_resolution', _S, 'espcn, bicubic or none (name)'),
    ParameterSpec('espcn_model', _S, 'Fast-ESPCN ONNX file; relative to the package share folder (path)'),
    ParameterSpec('inference_threads', _I, 'onnxruntime intra-op threads (count)'),
    ParameterSpec('canny_start_high', _D, 'first Canny H_high (gradient units)'),
    ParameterSpec('canny_step', _D, 'Canny threshold step H_u (gradient units)'),
    ParameterSpec('canny_min_high', _D, 'lowest Canny H_high tried (gradient units)'),
    ParameterSpec('canny_margin_steps', _I, 'steps past the first passing thresholds (count)'),
    ParameterSpec('canny_low_ratio', _D, 'Canny H_low as a share of H_high (1)'),
    ParameterSpec('canny_points_factor', _D, 'tau = factor x mROI height (points per row)'),
    ParameterSpec('line_fraction', _D, 'tau_v = fraction x bar height (1)'),
    ParameterSpec('history_frames', _I, 'k frames of the static / moving separation (frames)'),
    ParameterSpec('max_gap_px', _I, 'gap bridged along a bar boundary (super-resolved px)'),
    ParameterSpec('subpixel', _B, 'sub-pixel refinement (flag)'),
    ParameterSpec('camera_gamma', _D, "the line camera's gamma: grey = 255 light^(1/gamma), 1.0 for a linear output; "
                  'the sub-pixel step works in linear light (1)'),
    ParameterSpec('fusion_gate_px', _D, 'vertical / horizontal disagreement that drops one estimate (px)'),
    ParameterSpec('single_estimate_gate_px', _D, 'a lone estimate further from the prediction is dropped (px)'),
    ParameterSpec('repair_history', _I, 'samples for the IQR and the regression width (frames)'),
    ParameterSpec('weighted_repair', _B, 'weight eq. 9 by each edge distance from its prediction (flag)'),
    ParameterSpec('repair_iqr_k', _D, 'fence = Q3 + k IQR of |width change| (1)'),
    ParameterSpec('repair_min_fence_px', _D, 'width changes below this are never abnormal (px)'),
    ParameterSpec('repair_min_history', _I, 'samples before repairs start (frames)'),
    ParameterSpec('repair_agree_px', _D, 'an edge this close to its own prediction is not moved by eq. 9 (px)'),
    ParameterSpec('reinit_after', _I, 'unrecognised frames before the bar is selected again (frames)'),
    ParameterSpec('one_bar_max_frames', _I, 'an edge hidden on one bar is measured on the other at most this long '
                  'after the last frame with both edges on both bars (frames)'),
    ParameterSpec('coverage_share', _D, 'bar column covered below this share of its empty contrast (1)'),
    ParameterSpec('coverage_gap_px', _I, 'columns next to an edge left out of the coverage check (px)'),
    ParameterSpec('coverage_window_px', _I, 'columns the coverage check judges on each side of an edge (px)'),
    ParameterSpec('coverage_bar_side_px', _I, 'bar-side columns next to the gap that suffice when all show the bars '
                  '(px)'),
    ParameterSpec('coverage_tolerance_px', _D, 'an edge further from where the bar contrast changes fails (px)'),
    ParameterSpec('coverage_bridge_px', _I, 'gaps of visible bars inside the covered span bridged when the edges are '
                  'selected (px)'),
    ParameterSpec('appearance_share', _D, 'sheet-side columns must be within this share of the empty bar contrast of '
                  "the sheet's own levels (1)"),
    ParameterSpec('appearance_window_px', _I, 'sheet-side columns next to the gap that must look like the sheet (px)'),
    ParameterSpec('appearance_reference_px', _I, "columns further inside whose median levels are the sheet's (px)"),
    ParameterSpec('appearance_learn_rate', _D, 'weight of each OK frame in the sheet levels learnt beside each edge '
                  '(1)'),
    ParameterSpec('blank_range', _I, 'grey range under which a frame is blank (grey levels)'),
    ParameterSpec('camera_matrix', _DA, 'calibrated camera matrix, row-major 3x3 (px)'),
    ParameterSpec('distortion_coefficients', _DA, 'calibrated k1, k2, p1, p2, k3 (1)'),
    ParameterSpec('calibration_rms_px', _D, 'reprojection error of the calibration (px)'),
    ParameterSpec('max_image_bytes', _I, 'frames with more data are refused before decoding; the image reader is '
                  'then made anew to give its memory back (B)'),
    ParameterSpec('max_stamp_age_s', _D, 'frames stamped longer ago by the node clock are refused (s)'),
    ParameterSpec('max_stamp_future_s', _D, 'frames stamped further ahead of the node clock are refused (s)'),
    ParameterSpec('debug_image_every', _I, 'publish edges/debug_image every n-th frame; 0 = never (frames)',
                  runtime=True),
    ParameterSpec('diagnostics_period_s', _D, 'period of /diagnostics reports (s)'),
)


def check_change(changes: dict[str, Any]) -> str | None:
    """Why a run-time change is refused, or None (ros2 param set edge_tracker debug_image_every 10)."""
    if changes.get('debug_image_every', 0) < 0:
        return 'debug_image_every must be 0 (never) or a positive number of frames'
    return None
