"""What the main job reports about the equipment thermal monitor (seed 001): its states and alerts against the
simulated camera's ground truth of the same frame, its refusals of the bad frames sent on purpose, and whether
its assessments reached the ledger."""

from dataclasses import dataclass, field

from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_common.stamps import to_ns
from fracturescope_perception.diagnostics_contract import FRAME_REJECTED, THERMAL_MONITOR
from fracturescope_sim.diagnostics_contract import EQUIPMENT_THERMAL_CAMERA, PUBLISHED, VARIANT
from fracturescope_sim.equipment_thermal_camera import BAD_VARIANTS
from fracturescope_testing.graph_monitor import GraphObservations
from fracturescope_testing.graph_probe import GraphProbe

from fracturescope_bringup.summary import Summary
from fracturescope_msgs.msg import GroundTruthLabel, ThermalAssessment


@dataclass
class ThermalObservations:
    assessments: dict[tuple[int, int], ThermalAssessment] = field(default_factory=dict)
    truth: dict[tuple[int, int], GroundTruthLabel] = field(default_factory=dict)

    def on_assessment(self, msg: ThermalAssessment) -> None:
        self.assessments[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = msg

    def on_truth(self, msg: GroundTruthLabel) -> None:
        self.truth[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = msg

    def unrecorded(self, recorded_stamps_ns: set[int]) -> int:
        """Assessments missing from the ledger, among those stamped up to its newest thermal block (later ones may
        still have been in flight when the graph stopped)."""
        if not recorded_stamps_ns:
            return len(self.assessments)
        newest = max(recorded_stamps_ns)
        stamps = (to_ns(a.header.stamp) for a in self.assessments.values())
        return sum(stamp <= newest and stamp not in recorded_stamps_ns for stamp in stamps)

    def matched(self) -> list[tuple[ThermalAssessment, GroundTruthLabel]]:
        return [(a, self.truth[stamp]) for stamp, a in self.assessments.items() if stamp in self.truth]


def watch_thermal(probe: GraphProbe) -> ThermalObservations:
    observed = ThermalObservations()
    probe.node.create_subscription(ThermalAssessment, 'thermal_monitor/assessment', observed.on_assessment,
                                   RELIABLE_EVENTS)
    probe.node.create_subscription(GroundTruthLabel, 'equipment_thermal/ground_truth', observed.on_truth,
                                   RELIABLE_EVENTS)
    return observed


def add_thermal_rows(summary: Summary, observed: GraphObservations, thermal: ThermalObservations,
                     recorded_stamps_ns: set[int], min_accuracy: float = 0.8) -> None:
    """`recorded_stamps_ns`: source stamps of this run's thermal blocks, read back from the ledger file.
    Skipped when the graph has no thermal monitor (sim.launch.xml thermal_monitor:=false)."""
    if not observed.reported(THERMAL_MONITOR):
        return
    camera = observed.read(EQUIPMENT_THERMAL_CAMERA)
    bad = sum(camera[VARIANT[v]] for v in BAD_VARIANTS)
    refused = sum(observed.read(THERMAL_MONITOR).family(FRAME_REJECTED).values())
    pairs = thermal.matched()
    if not pairs:
        summary.add('equipment thermal', 'no assessment matched a ground-truth frame',
                    'the thermal monitor assessed nothing')
        return
    correct = sum(a.label == t.label for a, t in pairs)
    anomalies = [a for a, t in pairs if t.label == 'anomaly']
    alerts_on_anomalies = sum(a.alert for a in anomalies)
    false_alerts = sum(a.alert for a, t in pairs if t.label != 'anomaly')
    accuracy = correct / len(pairs)
    low = f'thermal monitor accuracy {accuracy:.1%} below {min_accuracy:.0%}' if accuracy < min_accuracy else None
    summary.add('equipment thermal',
                f'{max(camera[PUBLISHED], len(thermal.truth))} frames published ({bad} bad on purpose, '
                f'{refused} refused): state '
                f'accuracy {accuracy:.1%} on {len(pairs)} frames, alerts on {alerts_on_anomalies}/{len(anomalies)} '
                f'anomaly frames, {false_alerts} false alerts', low)
    unrecorded = thermal.unrecorded(recorded_stamps_ns)
    summary.add('thermal ledger', f'{len(recorded_stamps_ns)} assessments recorded as thermal blocks'
                + (f', {unrecorded} missing' if unrecorded else ''),
                f'{unrecorded} thermal assessments missing from the ledger' if unrecorded else None,
                recorded=len(recorded_stamps_ns), missing=unrecorded)
