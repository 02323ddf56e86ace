"""Parameters of the defect detector node (values in config/perception.yaml), and the classifier they describe."""

from pathlib import Path
from typing import Any

from ament_index_python.packages import get_package_share_directory
from fracturescope_common.command_receiver import TARGET_PARAMETER, VERIFIER_PARAMETERS
from fracturescope_common.params import ParameterSpec
from rclpy.parameter import Parameter

from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception.fusion.frame_tiles import Tiling
from fracturescope_perception.fusion.registration import Registration
from fracturescope_perception.fusion.site_calibration import SiteThresholds

B, D, INT, S = Parameter.Type.BOOL, Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING
PARAMETERS = (
    ParameterSpec('model_card', S, 'fusion model card, absolute or relative to the package share folder (path)'),
    ParameterSpec('model_variant', S, "variant of the card to run; '' runs the card's default (name)"),
    ParameterSpec('registration_file', S, "thermal -> RGB registration written by fracturescope-register-cameras; "
                  "'' when both cameras show the same view (path)"),
    ParameterSpec('site_calibration_file', S, "per-site thresholds (fracturescope-calibrate-site or the "
                  "~/calibrate_site service); '' uses the card's (path)"),
    ParameterSpec('site_anomaly_share', D, "share of a site calibration's false-alarm budget given to the anomaly "
                  'threshold; the defect threshold takes the rest (0..1)'),
    ParameterSpec('tile_size_px', INT, 'side of the tiles the RGB frame is cut into; 0 = whole frame as one (px)'),
    ParameterSpec('tile_overlap', D, 'share of a tile side shared with the neighbouring tile (0..0.9)'),
    ParameterSpec('min_tile_seen', D, 'tiles the thermal camera sees less of are not classified (0..1)'),
    ParameterSpec('min_region_tiles', INT, 'regions of fewer agreeing tiles are not reported (count)'),
    ParameterSpec('dense_inference', B, "the network once over the whole frame (the card's dense file) instead of "
                  'tile by tile; needs tile_overlap 0.5 (bool)'),
    ParameterSpec('min_view_seen', D, 'pairs whose thermal camera sees less of the RGB view are refused (0..1)'),
    ParameterSpec('thermal_kelvin_per_count', D, '16UC1 / mono16 thermal frames: temperature step of one count (K)'),
    ParameterSpec('thermal_min_c', D, 'lowest temperature the thermal camera can report; colder frames are refused '
                  '(degC)'),
    ParameterSpec('thermal_max_c', D, 'highest temperature the thermal camera can report (degC)'),
    ParameterSpec('max_image_width_px', INT, 'wider frames are refused before decoding (px)'),
    ParameterSpec('max_image_height_px', INT, 'taller frames are refused before decoding (px)'),
    ParameterSpec('max_image_bytes', INT, 'frames with more data are refused before decoding; the '
                  'image reader is then made anew to give its memory back (B)'),
    ParameterSpec('max_stamp_age_s', D, 'frames stamped longer ago by the node clock are refused (s)'),
    ParameterSpec('max_stamp_future_s', D, 'frames stamped further ahead of the node clock are refused (s)'),
    ParameterSpec('thermal_count_offset_c', D, '16UC1 / mono16 thermal frames: temperature of count 0 (degC)'),
    ParameterSpec('inference_threads', INT, 'onnxruntime intra-op threads (count)'),
    ParameterSpec('sync_slop_s', D, 'largest stamp difference of an RGB and a thermal frame paired together (s)'),
    ParameterSpec('image_queue_depth', INT, 'camera frames the reader keeps per camera while the detector is busy; '
                  'older ones are dropped (best effort, keep-last) (count)'),
    ParameterSpec('sync_queue_size', INT, 'frames kept per camera while waiting for a partner (count)'),
    ParameterSpec('sync_resync_after', INT, 'frames in a row stamped before the newest seen on their camera after '
                  'which that camera starts over (its clock went back, or one stamp was bogus) (count)'),
    ParameterSpec('location', S, 'asset / zone inspected, written in every detection (asset id)', runtime=True),
    ParameterSpec('annotated_image_every', INT, 'publish the annotated view every n-th pair; 0 = never (count)',
                  runtime=True),
    ParameterSpec('annotated_image_px', INT, 'side of each half of the annotated view (px)'),
    ParameterSpec('reinspect_pairs', INT, 'pairs that answer one operator "inspect again" request (count)'),
    *VERIFIER_PARAMETERS, TARGET_PARAMETER,
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


def check_change(changes: dict[str, Any]) -> str | None:
    """Why a run-time change is refused, or None (ros2 param set defect_detector location bay_2)."""
    if changes.get('annotated_image_every', 0) < 0:
        return 'annotated_image_every must be 0 (never) or a positive number of pairs'
    if 'location' in changes and not changes['location'].strip():
        return 'location must name the asset or zone inspected'
    return None


def make_classifier(p: Any) -> FusionClassifier:
    """The classifier the parameters describe: its card (relative to this package's share folder unless absolute),
    tiling, camera registration and, when given, the site's thresholds."""
    card = Path(p.model_card)
    if not card.is_absolute():
        card = Path(get_package_share_directory('fracturescope_perception')) / card
    registration = Registration.load(Path(p.registration_file)) if p.registration_file else None
    classifier = FusionClassifier(card, p.model_variant, p.inference_threads,
                                  Tiling(p.tile_size_px, p.tile_overlap, p.min_tile_seen, p.min_view_seen,
                                         p.min_region_tiles, p.dense_inference), registration)
    if p.site_calibration_file:
        SiteThresholds.load(Path(p.site_calibration_file)).apply(classifier)
    return classifier
