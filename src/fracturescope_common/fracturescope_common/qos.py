"""QoS profiles of the graph (../shared/DESIGN.md): results and commands reliable, state latched."""

from collections.abc import Sequence

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

# Detections, measurements, blocks, commands: every message matters. KEEP_ALL on both ends: a reader that falls
# behind slows its writer down (publish blocks, then fails loudly) instead of DDS silently overwriting samples, which
# KEEP_LAST does (measured: 1,760 of 9,000 detections at 3 kHz vanished, only 31 reported as lost).
RELIABLE_EVENTS = QoSProfile(history=HistoryPolicy.KEEP_ALL, reliability=ReliabilityPolicy.RELIABLE)

# Results published for observers (RViz, Foxglove, bag recorders): a slow observer misses the oldest instead of
# stalling the producer. What must not be missed is kept elsewhere (the ledger file).
OBSERVER_STREAM = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1000, reliability=ReliabilityPolicy.RELIABLE)

# Latest state (checkpoint, mode): a late subscriber gets the last value.
LATCHED_STATE = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)

# Static transforms (tf2_ros::StaticBroadcasterQoS): one message holding every one, kept for late subscribers.
STATIC_TF = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE,
                       durability=DurabilityPolicy.TRANSIENT_LOCAL)

# Results the ledger records (detections, edges, thermal assessments): their producer keeps the newest
# RESULT_HISTORY (30 s of edges at 30 Hz) for late joiners, so a ledger restarted after a crash receives what it
# missed and drops what it already holds (fracturescope_ledger/recent_records.py). Keep-last on the writer: a
# producer never blocks on a dead ledger; the ledger reads at 17,000 blocks/s, far ahead of any producer.
RESULT_HISTORY = 1000
RECORDED_RESULTS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=RESULT_HISTORY,
                              reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
# The ledger's side: everything the producers still hold, then every new result.
RECORDING = QoSProfile(history=HistoryPolicy.KEEP_ALL, reliability=ReliabilityPolicy.RELIABLE,
                       durability=DurabilityPolicy.TRANSIENT_LOCAL)


def matching_subscription_qos(offers: Sequence[QoSProfile], depth: int, reliable_without_offers: bool) -> QoSProfile:
    """What a reader of any topic (recorder, bridge) requests so it connects to every publisher there is: reliable
    only when all publishers are (a reliable reader never hears a best-effort writer), transient local only when all
    are (then it also receives what they published before it joined; else it would match none of the volatile
    ones). Without publishers yet: reliable or best effort as the caller says."""
    reliable = all(p.reliability == ReliabilityPolicy.RELIABLE for p in offers) if offers else reliable_without_offers
    latched = bool(offers) and all(p.durability == DurabilityPolicy.TRANSIENT_LOCAL for p in offers)
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth,
                      reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
                      durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE)
