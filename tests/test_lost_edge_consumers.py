"""A lost edge as the tracker publishes it (UNRECOGNISED, no positions) is what its consumers expect: the ledger
records it as unrecognised, the control node never steers on it. Across packages, so it lives here."""

from fracturescope_control.output_limits import measurement_problem
from fracturescope_ledger.messages import record_from_edge_measurement
from fracturescope_perception.edge_eye.tracker import Status
from fracturescope_perception.nodes.edge_tracker import published_positions

from fracturescope_msgs.msg import EdgeMeasurement


def test_lost_measurements_are_recorded_by_the_ledger_and_never_drive_the_rolls():
    left, right = published_positions(Status.UNRECOGNISED, None)
    msg = EdgeMeasurement(status=EdgeMeasurement.STATUS_UNRECOGNISED, left_mm=left, right_mm=right,
                          width_mm=right - left, image_sha256='0' * 64)
    record = record_from_edge_measurement(msg, 'line-1', 'edge-eye')
    assert (record.label, record.confidence) == ('unrecognised', 0.0)
    assert measurement_problem(left, right, False, 0.0, 1.0) is not None
