"""The uplink node's parameters: name, type and a description with the unit (values live in config/uplink.yaml),
and the settings they make."""

from typing import Any

from fracturescope_common.command_receiver import VERIFIER_PARAMETERS
from fracturescope_common.params import ParameterSpec as P
from rclpy.parameter import Parameter

from fracturescope_uplink.alert_rules import DefectRule
from fracturescope_uplink.mqtt_link import BrokerSettings
from fracturescope_uplink.uplink import UplinkSettings

D, INT, S, SA = Parameter.Type.DOUBLE, Parameter.Type.INTEGER, Parameter.Type.STRING, Parameter.Type.STRING_ARRAY
PARAMETERS = (
    P('robot_id', S, 'this robot on the broker: topics fracturescope/<robot_id>/... (name)'),
    P('broker_host', S, 'MQTT broker host name or address (name)'),
    P('broker_port', INT, 'MQTT broker port: 1883 plain, 8883 TLS (port)'),
    P('username', S, "broker user name; '' = anonymous (name)"),
    P('password_file', S, "file holding the broker password (first line); '' = the password parameter (path)"),
    P('password', S, "broker password when there is no password_file; readable with ros2 param get (text)"),
    P('tls_ca_file', S, "CA certificate the broker's certificate must chain to; '' = no TLS (path)"),
    P('tls_cert_file', S, "client certificate, when the broker asks for one; '' = none (path)"),
    P('tls_key_file', S, "client certificate's private key (path)"),
    P('keepalive_s', INT, 'MQTT keepalive: a silent link is found dead after 1.5 x this (s)'),
    P('reconnect_min_s', INT, 'first wait before reconnecting; doubles per failure (s)'),
    P('reconnect_max_s', INT, 'longest wait between reconnection attempts (s)'),
    P('outbox_path', S, 'SQLite file of the durable outbox (path)'),
    P('outbox_max_alerts', INT, 'alerts the outbox holds at most (count)'),
    P('outbox_max_bytes', INT, 'bytes the outbox holds at most, thumbnails included (bytes)'),
    P('max_in_flight', INT, 'alerts sent and not yet acknowledged by the broker, at most (count)'),
    P('bandwidth_bytes_per_s', D, 'byte budget of the link, MQTT framing included; 0 = unlimited (bytes/s)'),
    P('bandwidth_burst_s', D, 'seconds of budget that may be spent at once (s)'),
    P('thumbnail_backlog', INT, 'thumbnails are left out while more alerts than this are queued (count)'),
    P('thumbnail_topic', S, "image topic whose frames become defect thumbnails; '' = no thumbnails (topic)"),
    P('thumbnail_max_px', INT, 'longest side of a thumbnail (px)'),
    P('thumbnail_max_bytes', INT, 'largest thumbnail; a frame that does not fit goes without (bytes)'),
    P('alert_labels', SA, 'defect labels that alert (names)'),
    P('alert_min_confidence', D, 'a listed label alerts from this confidence on (0..1)'),
    P('alert_anomaly_score', D, 'any frame with an anomaly score above this alerts (0..1)'),
    P('repeat_s', D, 'the same finding (label at a location) alerts again only after this long (s)'),
    P('edge_loss_after_s', D, 'Edge-Eye without a usable edge this long alerts (s)'),
    P('ledger_wait_s', D, 'a defect or thermal alert waits this long for its ledger block (s)'),
    P('checkpoint_period_s', D, 'at most one ledger checkpoint alert per this period (s)'),
    P('telemetry_period_s', D, 'period of the edge-alignment and thermal-state summary for the operator centre; '
                               '0 = none (s)'),
    P('status_period_s', D, 'period of the retained status message on fracturescope/<robot_id>/status (s)'),
    P('pump_period_s', D, 'how often the outbox is checked for alerts to send (s)'),
    *VERIFIER_PARAMETERS,
    P('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


def uplink_settings(p: Any) -> UplinkSettings:
    return UplinkSettings(
        p.robot_id, DefectRule.of(p.alert_labels, p.alert_min_confidence, p.alert_anomaly_score), p.repeat_s,
        p.edge_loss_after_s, p.ledger_wait_s, p.checkpoint_period_s,
        p.thumbnail_max_px if p.thumbnail_topic else 0, p.thumbnail_max_bytes)


def broker_settings(p: Any) -> BrokerSettings:
    """The broker, this robot's client id and credentials (the password from its file when one is named)."""
    if p.password_file:
        with open(p.password_file) as file:
            password = file.readline().rstrip('\n')
    else:
        password = p.password
    return BrokerSettings(p.broker_host, p.broker_port, f'fracturescope-uplink-{p.robot_id}', p.username, password,
                          p.tls_ca_file, p.tls_cert_file, p.tls_key_file, p.keepalive_s, p.reconnect_min_s,
                          p.reconnect_max_s)
