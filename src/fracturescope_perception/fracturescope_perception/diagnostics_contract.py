"""The /diagnostics of the perception nodes (see fracturescope_common.diagnostics_contract): every key the defect
detector, the Edge-Eye tracker and the thermal monitor publish. Labels and thermal states come from the model card:
the node binds them at start (`Family.of`), observers read those families whole."""

from collections.abc import Iterable

from fracturescope_common.command_receiver import COMMAND_REJECTED, COMMANDS_FOR_OTHERS
from fracturescope_common.diagnostics_contract import Family, NodeContract, count, number, text
from fracturescope_common.image_subscription import READER_RENEWALS
from fracturescope_common.publishing import PUBLISH_FAILED

from fracturescope_perception.edge_eye.tracker import Status
from fracturescope_perception.fusion.frame_admission import FRAME_REFUSALS
from fracturescope_perception.fusion.frame_tiles import PAIR_REJECTIONS
from fracturescope_perception.fusion.synchronizer import DROPS, STREAMS
from fracturescope_perception.thermal_monitor.frame_input import REJECTION_REASONS

# Defect detector.
MODEL, SITE_CALIBRATION = text('model'), text('site_calibration')   # site calibration: 'idle' or 'collected/frames'
DETECTIONS_RATE = number('rate_hz', '.1f')                           # detections per s over the last 10 s
ANOMALY_THRESHOLD, DEFECT_THRESHOLD = number('anomaly_threshold', '.3f'), number('defect_threshold', '.3f')
LATENCY_P50, LATENCY_P95 = number('latency_ms_p50', '.1f'), number('latency_ms_p95', '.1f')
INFERENCE_P50 = number('inference_ms_p50', '.2f')
PAIRED, WAITING_RGB, WAITING_THERMAL = count('paired'), count('waiting_rgb'), count('waiting_thermal')
UNPAIRED = Family('unpaired_', DROPS)               # frames the synchronizer dropped, by stream and reason
RESYNCED = Family('resynced_', STREAMS)             # times a camera's stamps went back and its stream started over
RGB_RECEIVED, THERMAL_RECEIVED = count('rgb_received'), count('thermal_received')
UNPAIRED_FRAMES, SITE_CALIBRATIONS = count('unpaired'), count('site_calibrations')
PAIR_REJECTED = Family('rejected_', PAIR_REJECTIONS)
FRAME_REFUSED = Family('refused_', tuple(f'{stream}_{reason}' for stream in STREAMS for reason in FRAME_REFUSALS))
LABEL = Family('label_')                            # detections published, by the frame's label (the card's)
# Operator inspect-again requests (fusion/reinspection.py): verified, waiting for pairs, answered in full.
REINSPECTIONS_REQUESTED, REINSPECTIONS_WAITING = count('reinspections_requested'), count('reinspections_waiting')
REINSPECTIONS_ANSWERED, REINSPECTIONS_REFUSED = count('reinspections_answered'), count('reinspections_refused')


def defect_detector(labels: Iterable[str] = ()) -> NodeContract:
    """The contract of a detector whose model labels frames with `labels`; left empty, as observers read it."""
    bound = LABEL.of(labels)
    return NodeContract(
        'defect_detector',
        values=(MODEL, DETECTIONS_RATE, ANOMALY_THRESHOLD, DEFECT_THRESHOLD, SITE_CALIBRATION, LATENCY_P50, LATENCY_P95,
                INFERENCE_P50, PAIRED, WAITING_RGB, WAITING_THERMAL, *UNPAIRED.keys, *RESYNCED.keys,
                REINSPECTIONS_REQUESTED, REINSPECTIONS_WAITING, REINSPECTIONS_ANSWERED),
        counters=(RGB_RECEIVED, THERMAL_RECEIVED, UNPAIRED_FRAMES, SITE_CALIBRATIONS, *PAIR_REJECTED.keys,
                  *FRAME_REFUSED.keys, *bound.keys, COMMANDS_FOR_OTHERS, *COMMAND_REJECTED.keys,
                  REINSPECTIONS_REFUSED, READER_RENEWALS, PUBLISH_FAILED),
    )


DEFECT_DETECTOR = defect_detector()

# Edge-Eye tracker.
FRAMES = count('frames')
STATUS = Family('status_', tuple(status.name.lower() for status in Status))   # measurements published, by status
BAR, EMPTY_FRAME = text('bar'), text('empty_frame')
PROCESSING_P50, PROCESSING_P95 = number('processing_ms_p50', '.2f'), number('processing_ms_p95', '.2f')
CACHE_HITS, CACHE_LOOKUPS, CACHE_FALSE_POSITIVES = count('cache_hits'), count('cache_lookups'), \
    count('cache_false_positives')
BAD_IMAGE, BLANK_FRAME = count('bad_image'), count('blank_frame')
BAD_STAMP = count('bad_stamp')                      # frames stamped outside the window around the node clock

EDGE_TRACKER = NodeContract(
    'edge_tracker',
    values=(FRAMES, *STATUS.keys, BAR, EMPTY_FRAME, PROCESSING_P50, PROCESSING_P95, CACHE_HITS, CACHE_LOOKUPS,
            CACHE_FALSE_POSITIVES),
    counters=(BAD_IMAGE, BLANK_FRAME, BAD_STAMP, READER_RENEWALS, PUBLISH_FAILED),
)

# Thermal monitor.
ASSESSED, MODEL_ID = count('assessed'), text('model_id')
ASSESSMENT_RATE = number('rate_hz', '.2f')
INFERENCE_MS_P50, INFERENCE_MS_P95 = number('inference_ms_p50', '.2f'), number('inference_ms_p95', '.2f')
STATE = Family('state_')                            # assessments by state, the card's classes
FRAME_REJECTED = Family('rejected_', REJECTION_REASONS)
ALERTS = count('alerts')


def thermal_monitor(states: Iterable[str] = ()) -> NodeContract:
    """The contract of a monitor whose model tells `states` apart; left empty, as observers read it."""
    return NodeContract(
        'thermal_monitor',
        values=(FRAMES, ASSESSED, ASSESSMENT_RATE, INFERENCE_MS_P50, INFERENCE_MS_P95, *STATE.of(states).keys,
                MODEL_ID),
        counters=(*FRAME_REJECTED.keys, ALERTS, READER_RENEWALS, PUBLISH_FAILED),
    )


THERMAL_MONITOR = thermal_monitor()

# Defect markers (RViz).
MARKED = count('detections_marked')                 # detections drawn as markers
NO_CAMERA_INFO = count('no_camera_info')            # detections skipped: no RGB CameraInfo yet, or uncalibrated
DEFECT_MARKERS = NodeContract('defect_markers', values=(), counters=(MARKED, NO_CAMERA_INFO, PUBLISH_FAILED))
