"""The uplink's /diagnostics (see fracturescope_common.diagnostics_contract)."""

from typing import Any

from fracturescope_common.diagnostics_contract import Family, Key, NodeContract, count, flag, number, text
from fracturescope_common.operator_commands import Rejection
from fracturescope_common.publishing import PUBLISH_FAILED

from fracturescope_uplink.alert_schema import KINDS
from fracturescope_uplink.command_gateway import MALFORMED
from fracturescope_uplink.mqtt_link import LinkCounters
from fracturescope_uplink.outbox import THUMBNAIL_DROPPED, OutboxStats

BROKER, CONNECTED = text('broker'), flag('connected')
QUEUED, QUEUED_BYTES, IN_FLIGHT = count('queued'), count('queued_bytes'), count('in_flight')
PUBLISHED, ACKNOWLEDGED, CONNECTS = count('published'), count('acknowledged'), count('connects')
BYTES_SENT, THUMBNAILS_LEFT_OUT = count('bytes_sent'), count('thumbnails_left_out')
TELEMETRY_SENT, TELEMETRY_SKIPPED = count('telemetry_sent'), count('telemetry_skipped')   # telemetry.py
ACK_LATENCY_P50 = number('ack_latency_ms_p50', '.1f')    # alert handed to paho -> broker's PUBACK
DROPPED = count('dropped_total')                         # alerts evicted or refused by a full outbox, ever
REPEATS_SUPPRESSED = count('repeats_suppressed')
COMMAND_RECEIVERS = count('command_receivers')           # readers of operator/command this node's writer matched

ALERTS = Family('alerts_', KINDS)                        # alerts made (stored in the outbox) since start, by kind
OUTBOX_FULL = count('outbox_full')                       # alerts this run pushed out or refused (module outbox.py)
OUTBOX_ERROR, LINK_ERROR = count('outbox_error'), count('link_error')
FORWARDED = count('commands_forwarded')
COMMAND_REFUSED = Family('command_refused_', (MALFORMED, *Rejection))

UPLINK = NodeContract(
    'uplink',
    values=(BROKER, CONNECTED, QUEUED, QUEUED_BYTES, IN_FLIGHT, PUBLISHED, ACKNOWLEDGED, CONNECTS, BYTES_SENT,
            THUMBNAILS_LEFT_OUT, TELEMETRY_SENT, TELEMETRY_SKIPPED, ACK_LATENCY_P50, DROPPED, REPEATS_SUPPRESSED,
            COMMAND_RECEIVERS, *ALERTS.keys),
    counters=(OUTBOX_FULL, OUTBOX_ERROR, LINK_ERROR, FORWARDED, *COMMAND_REFUSED.keys, PUBLISH_FAILED),
)


def uplink_values(broker: str, connected: bool, in_flight: int, c: LinkCounters, stats: OutboxStats,
                  repeats_suppressed: int, alerts_made: dict[str, int], command_receivers: int) -> dict[Key, Any]:
    latency = sorted(c.acked_latency_s)[len(c.acked_latency_s) // 2] * 1e3 if c.acked_latency_s else float('nan')
    return {BROKER: broker, CONNECTED: connected, QUEUED: stats.queued, QUEUED_BYTES: stats.queued_bytes,
            IN_FLIGHT: in_flight, PUBLISHED: c.published, ACKNOWLEDGED: c.acknowledged, CONNECTS: c.connects,
            BYTES_SENT: c.bytes_sent, THUMBNAILS_LEFT_OUT: c.thumbnails_left_out,
            TELEMETRY_SENT: c.telemetry_sent, TELEMETRY_SKIPPED: c.telemetry_skipped, ACK_LATENCY_P50: latency,
            DROPPED: sum(n for (_, what), n in stats.drops.items() if what != THUMBNAIL_DROPPED),
            REPEATS_SUPPRESSED: repeats_suppressed, COMMAND_RECEIVERS: command_receivers,
            **{ALERTS[kind]: n for kind, n in alerts_made.items()}}
