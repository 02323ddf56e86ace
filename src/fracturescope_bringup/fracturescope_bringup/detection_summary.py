"""What the main job reports about defect perception: every simulated pair accounted for (classified, refused with
a reason, or without a partner), detections against the simulator's ground truth of the same pair, and the
detections that became ledger blocks."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_perception.fusion.region_matching import score_frame, summarise
from fracturescope_testing.graph_monitor import GraphObservations
from fracturescope_testing.graph_probe import GraphProbe
from sensor_msgs.msg import RegionOfInterest

from fracturescope_bringup.summary import Summary
from fracturescope_msgs.msg import DefectDetection, GroundTruthLabel

CAMERA, DETECTOR = 'surface_camera', 'defect_detector'
ANOMALY = 'anomaly'
UNPAIRED_RGB = ('unpaired_rgb_no_partner', 'unpaired_rgb_queue_full', 'unpaired_rgb_out_of_order')


@dataclass
class DetectionObservations:
    """Detections and the simulator's ground truth, matched by the RGB frame's stamp."""

    detections: dict[tuple[int, int], DefectDetection] = field(default_factory=dict)
    truth: dict[tuple[int, int], GroundTruthLabel] = field(default_factory=dict)

    def on_detection(self, msg: DefectDetection) -> None:
        self.detections[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = msg

    def on_truth(self, msg: GroundTruthLabel) -> None:
        self.truth[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = msg

    def matched(self) -> list[tuple[DefectDetection, GroundTruthLabel]]:
        return [(d, self.truth[stamp]) for stamp, d in self.detections.items() if stamp in self.truth]


def watch_detections(probe: GraphProbe) -> DetectionObservations:
    observed = DetectionObservations()
    probe.node.create_subscription(DefectDetection, 'defects', observed.on_detection, RELIABLE_EVENTS)
    probe.node.create_subscription(GroundTruthLabel, 'camera/ground_truth', observed.on_truth, RELIABLE_EVENTS)
    return observed


def _sum(values: Mapping[str, str], prefix: str) -> Counter[str]:
    return Counter({k[len(prefix):]: int(v) for k, v in values.items() if k.startswith(prefix)})


@dataclass(frozen=True)
class PairAccount:
    published: int
    faults: Counter[str]          # bad input the simulator sent on purpose, by fault
    classified: int
    refused: Counter[str]         # by reason
    unpaired_rgb: int             # RGB frames that found (or, still waiting, have not yet found) no thermal partner

    @staticmethod
    def of(observed: GraphObservations) -> 'PairAccount':
        camera, detector = observed.diagnostics.get(CAMERA, {}), observed.diagnostics.get(DETECTOR, {})
        return PairAccount(
            published=int(camera.get('published', 0)), faults=_sum(camera, 'fault_'),
            classified=sum(_sum(detector, 'label_').values()), refused=_sum(detector, 'rejected_'),
            unpaired_rgb=sum(int(detector.get(k, 0)) for k in UNPAIRED_RGB) + int(detector.get('waiting_rgb', 0)))

    @property
    def accounted(self) -> int:
        return self.classified + sum(self.refused.values()) + self.unpaired_rgb


def detections_accounted_for(observed: GraphObservations, expected: int) -> bool:
    """Every pair the simulator published is classified, refused or unpaired, and every detection is a block or a
    ledger rejection (counters only grow, so equality with the totals means they are final)."""
    account = PairAccount.of(observed)
    return account.published == expected and account.accounted == expected and \
        observed.defect_blocks + observed.counter('ledger', 'rejected') == account.classified


def wilson_upper(successes: int, n: int, z: float = 1.96) -> float:
    """Upper end of the Wilson 95 % interval of a proportion: a short run's accuracy is a problem only when even
    this bound falls short of the floor (30 pairs at a true 80 % read anywhere from 65 to 95 %)."""
    if n == 0:
        return 1.0
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return min(1.0, (centre + spread) / (1 + z * z / n))


def answer_expected(truth: GroundTruthLabel) -> str:
    return ANOMALY if truth.unseen else truth.label


def add_detection_rows(summary: Summary, observed: GraphObservations, detections: DetectionObservations,
                       labels: Mapping[str, int], reconciled: bool, min_accuracy: float = 0.75,
                       min_frame_recall: float = 0.0) -> None:
    """`labels`: defect blocks of this run by label, read back from the ledger file. `reconciled`: every pair was
    accounted for, so the counters are final."""
    account = PairAccount.of(observed)
    refused = ', '.join(f'{reason} {n}' for reason, n in sorted(account.refused.items())) or 'none'
    faults = sum(account.faults.values())
    text = (f'{account.published} published by the simulated cameras ({faults} bad on purpose): '
            f'{account.classified} classified, {sum(account.refused.values())} refused ({refused}), '
            f'{account.unpaired_rgb} without a thermal partner')
    if reconciled:
        summary.add('camera pairs', text + ', 0 lost',
                    None if sum(account.refused.values()) + account.unpaired_rgb == faults else
                    f'{faults} bad pairs sent but {sum(account.refused.values()) + account.unpaired_rgb} refused or '
                    'unpaired')
    else:
        summary.add('camera pairs', text + ' (run cut short: counts not reconciled)')
    _add_accuracy_row(summary, detections, min_accuracy)
    _add_region_row(summary, detections, min_frame_recall)
    rejected = observed.counter('ledger', 'rejected')
    written = sum(labels.values())   # the ledger file itself, not a counter
    lost = account.classified - written - rejected
    summary.add('detections', f'{account.classified} published by the defect detector: {written} became blocks, '
                f'{rejected} rejected by the ledger' + (f', {lost} lost' if reconciled else ''),
                f'{lost} detections neither recorded nor rejected' if reconciled and lost else None)
    summary.add('labels recorded', ', '.join(f'{label} {n}' for label, n in sorted(labels.items())) or 'none')


def _box(roi: RegionOfInterest) -> tuple[int, int, int, int]:
    return roi.x_offset, roi.y_offset, roi.x_offset + roi.width, roi.y_offset + roi.height


def region_figures(pairs: list[tuple[DefectDetection, GroundTruthLabel]]) -> dict:
    """Frame recall, false frames, region recall / precision of detections against the simulator's regions."""
    rows = []
    for detection, truth in pairs:
        unseen = {r.label for r in truth.regions} if truth.unseen else set()
        rows.append(score_frame([(r.label, _box(r.roi)) for r in truth.regions],
                                [(r.label, _box(r.roi)) for r in detection.regions], unseen))
    return summarise(rows)


def _add_region_row(summary: Summary, detections: DetectionObservations, min_frame_recall: float) -> None:
    pairs = detections.matched()
    if not pairs:
        return
    f = region_figures(pairs)
    reported = round(f['frame_recall'] * f['defective_frames']) if f['defective_frames'] else 0
    summary.add('defect regions', f"frames with defects reported {f['frame_recall']:.1%} of {f['defective_frames']}, "
                f"clean frames reported {f['false_frames']:.1%} of {f['clean_frames']}; regions found "
                f"{f['region_recall']:.1%}, reported regions right {f['region_precision']:.1%}",
                f"frames with defects reported {f['frame_recall']:.1%}, significantly below {min_frame_recall:.0%}"
                if f['defective_frames'] and wilson_upper(reported, f['defective_frames']) < min_frame_recall else None)


def _add_accuracy_row(summary: Summary, detections: DetectionObservations, min_accuracy: float) -> None:
    pairs = detections.matched()
    known = [(d, t) for d, t in pairs if not t.unseen]
    unseen = [(d, t) for d, t in pairs if t.unseen]
    if not known:
        summary.add('detection accuracy', 'no detection matched a ground-truth pair',
                    'no detection to compare with the ground truth')
        return
    correct = sum(d.label == answer_expected(t) for d, t in known)
    hashes_ok = sum(list(d.image_sha256) == list(t.image_sha256) for d, t in pairs)
    false_alarms = sum(d.is_anomaly for d, _ in known)
    flagged = sum(d.is_anomaly for d, _ in unseen)
    accuracy = correct / len(known)
    summary.add('detection accuracy',
                f'{accuracy:.1%} of {len(known)} pairs of known classes against the ground truth '
                f'({false_alarms} called anomaly); unseen defect types flagged as anomaly {flagged}/{len(unseen)}; '
                f'image hashes match the cameras\' on {hashes_ok}/{len(pairs)}',
                f'detection accuracy {accuracy:.1%} of {len(known)} pairs, significantly below {min_accuracy:.0%}'
                if wilson_upper(correct, len(known)) < min_accuracy else
                (f'{len(pairs) - hashes_ok} detections name other images than the cameras sent'
                 if hashes_ok != len(pairs) else None))
