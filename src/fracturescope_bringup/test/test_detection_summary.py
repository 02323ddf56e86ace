"""Main-job rows for perception: every pair accounted for, accuracy against the ground truth of the same pair."""

from fracturescope_bringup.detection_summary import (
    DetectionObservations,
    PairAccount,
    add_detection_rows,
    detections_accounted_for,
    pairs_handled,
    wilson_upper,
)
from fracturescope_bringup.summary import Summary
from fracturescope_ledger.diagnostics_contract import BLOCKS_OF, LEDGER, REJECTED
from fracturescope_perception.diagnostics_contract import (
    LABEL,
    PAIR_REJECTED,
    RGB_RECEIVED,
    THERMAL_RECEIVED,
    UNPAIRED,
    WAITING_RGB,
    defect_detector,
)
from fracturescope_sim.diagnostics_contract import FAULT, PUBLISHED, SURFACE_CAMERA, TRUTH
from fracturescope_testing.diagnostic_statuses import node_status
from fracturescope_testing.graph_monitor import GraphObservations

from fracturescope_msgs.msg import DefectDetection, GroundTruthLabel, LedgerCheckpoint


def detector_label(label):
    return LABEL.of([label])[label]


def observations(published=60, faults=2, labels=58, refused=1, unpaired=1, ledger_rejected=0, defect_blocks=58,
                 rgb_dropped=0, thermal_dropped=0):
    observed = GraphObservations(checkpoint=LedgerCheckpoint(tree_size=1158, root_hash='ab' * 32))
    detector = defect_detector(['crack', 'corrosion', 'leak', 'none', 'anomaly'])
    observed.statuses = {
        '/surface_camera': node_status(SURFACE_CAMERA, {PUBLISHED: published}, {
            FAULT['nan_temperature']: faults - 1, FAULT['missing_thermal']: 1, TRUTH['none']: published - faults}),
        '/defect_detector': node_status(detector, {
            UNPAIRED['rgb_no_partner']: unpaired, UNPAIRED['thermal_no_partner']: 7, WAITING_RGB: 0}, {
            detector_label('none'): labels - 3, detector_label('crack'): 3,
            PAIR_REJECTED['nan_temperature']: refused, RGB_RECEIVED: published - rgb_dropped,
            THERMAL_RECEIVED: published - 1 - thermal_dropped}),
        '/ledger': node_status(LEDGER, counters={
            REJECTED: ledger_rejected, BLOCKS_OF['defect']: defect_blocks, BLOCKS_OF['edge']: 900,
            BLOCKS_OF['thermal']: 120}),
    }
    return observed


def test_a_pair_is_classified_refused_or_unpaired():
    account = PairAccount.of(observations())
    assert (account.published, account.classified, sum(account.refused.values()), account.unpaired_rgb) == \
        (60, 58, 1, 1)
    assert account.accounted == 60   # thermal frames without a partner are not pairs


def test_accounted_for_only_when_every_pair_and_every_detection_is_final():
    assert not detections_accounted_for(GraphObservations(), expected=60)   # nothing reported yet
    assert detections_accounted_for(observations(), expected=60)
    assert detections_accounted_for(observations(defect_blocks=57, ledger_rejected=1), expected=60)
    assert not detections_accounted_for(observations(defect_blocks=57), expected=60)   # one still in flight
    assert not detections_accounted_for(observations(labels=57), expected=60)
    assert not detections_accounted_for(observations(published=59), expected=60)


def _stamped(msg, sec):
    msg.header.stamp.sec = sec
    return msg


def detections_seen(labels_and_truths):
    seen = DetectionObservations()
    for sec, (label, truth, unseen) in enumerate(labels_and_truths):
        hashes = [f'{sec:064x}', f'{sec + 1:064x}']
        seen.on_truth(_stamped(GroundTruthLabel(label=truth, unseen=unseen, image_sha256=hashes), sec))
        seen.on_detection(_stamped(DefectDetection(label=label, is_anomaly=label == 'anomaly',
                                                   image_sha256=hashes), sec))
    return seen


def test_accuracy_counts_an_unseen_type_right_only_as_anomaly():
    seen = detections_seen([('crack', 'crack', False), ('none', 'none', False), ('none', 'leak', False),
                            ('none', 'none', False), ('anomaly', 'graffiti', True), ('crack', 'hot_spot', True)])
    summary = Summary('run')
    add_detection_rows(summary, observations(), seen, {'none': 55, 'crack': 3}, reconciled=True, min_accuracy=0.7)
    text = summary.render()
    assert '75.0% of 4 pairs of known classes' in text
    assert 'flagged as anomaly 1/2' in text and 'hashes match the cameras\' on 6/6' in text
    assert summary.all_ok, summary.problems


def test_losses_low_accuracy_and_foreign_hashes_are_problems():
    summary = Summary('run')
    add_detection_rows(summary, observations(), detections_seen([('none', 'crack', False)]), {'none': 50},
                       reconciled=True)
    assert 'detection accuracy 0.0% of 1 pairs, significantly below 75%' not in summary.problems  # 1 pair: no proof
    low = Summary('run')
    add_detection_rows(low, observations(), detections_seen([('none', 'crack', False)] * 8), {'none': 58},
                       reconciled=True)
    assert 'detection accuracy 0.0% of 8 pairs, significantly below 75%' in low.problems
    assert '8 detections neither recorded nor rejected' in summary.problems
    seen = detections_seen([('crack', 'crack', False)])
    next(iter(seen.detections.values())).image_sha256 = ['0' * 64, '1' * 64]
    other = Summary('run')
    add_detection_rows(other, observations(), seen, {'none': 55, 'crack': 3}, reconciled=True)
    assert other.problems == ['1 detections name other images than the cameras sent']


def test_bad_pairs_must_all_be_refused_or_unpaired():
    summary = Summary('run')
    add_detection_rows(summary, observations(faults=3), detections_seen([('crack', 'crack', False)]),
                       {'none': 55, 'crack': 3}, reconciled=True)
    assert summary.problems == ['3 bad pairs sent but 2 refused or unpaired']


def test_pairs_handled_grows_with_the_detector_and_the_ledger_and_is_0_before_their_reports():
    assert pairs_handled(GraphObservations()) == 0
    assert pairs_handled(observations()) == 58 + 1 + 58
    assert pairs_handled(observations(defect_blocks=59)) == pairs_handled(observations()) + 1


def test_frames_dropped_before_the_detector_are_counted_as_such_not_as_losses():
    # Two bad pairs sent (one refused, one without its thermal frame: unpaired); a thermal frame dropped by the
    # best-effort subscription left one more RGB frame unpaired. Explained, not a problem.
    account = PairAccount.of(observations(labels=57, unpaired=2, thermal_dropped=1, defect_blocks=57))
    assert (account.rgb_dropped, account.thermal_dropped, account.accounted) == (0, 1, 60)
    summary = Summary('run')
    add_detection_rows(summary, observations(labels=57, unpaired=2, thermal_dropped=1, defect_blocks=57),
                       detections_seen([('crack', 'crack', False)]), {'none': 54, 'crack': 3}, reconciled=True)
    assert summary.all_ok, summary.problems
    assert '0 RGB and 1 thermal frames not received by the detector' in summary.rows[0][1]
    # An RGB frame dropped: its pair is accounted for as dropped, nothing waits for it.
    dropped = observations(labels=57, rgb_dropped=1, defect_blocks=57)
    assert PairAccount.of(dropped).accounted == 60 and detections_accounted_for(dropped, expected=60)
    # A busy detector drops frames on purpose (keep-last): counted, not a problem ...
    busy = Summary('run')
    add_detection_rows(busy, observations(labels=50, rgb_dropped=8, defect_blocks=50),
                       detections_seen([('crack', 'crack', False)]), {'none': 47, 'crack': 3}, reconciled=True)
    assert busy.all_ok, busy.problems
    assert '8 RGB and 0 thermal frames not received by the detector' in busy.rows[0][1]
    # ... until more than a quarter of the frames never reached it: starved, or lost on the way.
    starved = Summary('run')
    add_detection_rows(starved, observations(labels=29, rgb_dropped=29, thermal_dropped=2, defect_blocks=29),
                       detections_seen([('crack', 'crack', False)]), {'none': 26, 'crack': 3}, reconciled=True)
    assert starved.problems == ['31 of 120 image frames never reached the detector: more than a busy detector drops '
                                '(starved, or frames lost on the way)']


def test_a_run_cut_short_reports_counts_without_claiming_losses():
    summary = Summary('run')
    add_detection_rows(summary, observations(defect_blocks=50), detections_seen([('crack', 'crack', False)]),
                       {'crack': 50}, reconciled=False)
    assert summary.all_ok
    assert 'counts not reconciled' in summary.rows[0][1]


def test_wilson_upper_bound():
    assert wilson_upper(0, 0) == 1.0
    assert abs(wilson_upper(24, 30) - 0.905) < 0.005      # 80 % of 30
    assert abs(wilson_upper(800, 1000) - 0.824) < 0.005   # 80 % of 1,000
    assert wilson_upper(30, 30) == 1.0


def test_region_figures_against_the_simulators_regions():
    from fracturescope_bringup.detection_summary import region_figures
    from sensor_msgs.msg import RegionOfInterest

    from fracturescope_msgs.msg import DefectRegion

    def region(label, x, y, w, h):
        return DefectRegion(roi=RegionOfInterest(x_offset=x, y_offset=y, width=w, height=h), label=label)

    found = (DefectDetection(label='crack', regions=[region('crack', 0, 0, 100, 40)]),
             GroundTruthLabel(label='crack', regions=[region('crack', 10, 10, 80, 10)]))
    missed = (DefectDetection(label='none'), GroundTruthLabel(label='leak', regions=[region('leak', 0, 0, 50, 50)]))
    clean = (DefectDetection(label='none'), GroundTruthLabel(label='none'))
    false_alarm = (DefectDetection(label='leak', regions=[region('leak', 0, 0, 9, 9)]), GroundTruthLabel(label='none'))
    unseen = (DefectDetection(label='anomaly', regions=[region('anomaly', 100, 100, 60, 60)]),
              GroundTruthLabel(label='hot_spot', unseen=True, regions=[region('hot_spot', 110, 110, 30, 30)]))
    figures = region_figures([found, missed, clean, false_alarm, unseen])
    assert figures['frame_recall'] == 2 / 3 and figures['false_frames'] == 0.5
    assert figures['region_recall'] == 2 / 3 and figures['region_precision'] == 2 / 3
    assert figures['region_label_accuracy'] == 1.0
    observed = DetectionObservations()
    for stamp, (detection, truth) in enumerate([found, missed, clean, false_alarm, unseen]):
        detection.header.stamp.sec = truth.header.stamp.sec = stamp
        observed.on_detection(detection)
        observed.on_truth(truth)
    summary = Summary('run')
    add_detection_rows(summary, observations(), observed, {'none': 58}, True)
    assert dict(summary.rows)['defect regions'].startswith('frames with defects reported 66.7% of 3, clean frames '
                                                            'reported 50.0% of 2')


def test_frames_with_defects_left_unreported_are_a_problem():
    from sensor_msgs.msg import RegionOfInterest

    from fracturescope_msgs.msg import DefectRegion
    observed = DetectionObservations()
    for stamp in range(10):
        truth = GroundTruthLabel(label='leak', regions=[DefectRegion(roi=RegionOfInterest(width=50, height=50),
                                                                     label='leak')])
        detection = DefectDetection(label='none')
        detection.header.stamp.sec = truth.header.stamp.sec = stamp
        observed.on_detection(detection)
        observed.on_truth(truth)
    summary = Summary('run')
    add_detection_rows(summary, observations(), observed, {'none': 58}, True, min_accuracy=0.0, min_frame_recall=0.9)
    assert 'frames with defects reported 0.0%, significantly below 90%' in summary.problems
