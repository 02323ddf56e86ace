"""What each node may do on DDS, and the DDS-Security documents that say it.

The ROS graph (topics, services, per node) becomes DDS topic names the way rmw maps them, and those become one
least-privilege grant per enclave. Formats follow OMG DDS-Security 1.1 section 9.4 (governance, permissions) as
sros2 writes them: sros2/policy/defaults/dds/governance.xml, sros2/policy/templates/dds/permissions.xsl and the
schemas sros2/policy/schemas/dds/{governance,permissions}.xsd (ros2/sros2, rolling at 0.13.0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import datetime
import re
import xml.etree.ElementTree as ET

ENCLAVE_ROOT = '/fracturescope'

# What every rclpy node (Kilted) has whether or not the graph showed it: the log topic, parameter events, its own
# parameter services and the type description service (rclpy/node.py, rclpy/parameter_service.py,
# rclpy/type_description_service.py). Granted to every node so that a node never fails for lack of them.
EVERY_NODE_PUBLISHES = ('/rosout', '/parameter_events')
NODE_SERVICES = ('describe_parameters', 'get_parameter_types', 'get_parameters', 'get_type_description',
                 'list_parameters', 'set_parameters', 'set_parameters_atomically')
# rmw_fastrtps_cpp (and every rmw built on rmw_dds_common) shares its graph cache on this DDS topic, which has no
# ROS prefix; sros2 grants it to every enclave when the rmw uses it (keystore/_permission.py,
# allow_ros_discovery_topic in permissions.xsl).
ROS_DISCOVERY_TOPIC = 'ros_discovery_info'

# rcl's enclave names follow the namespace rules (rcl/validate_enclave_name.h -> rmw_validate_namespace).
_TOKEN = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')
_SCHEMA_LOCATION = 'http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_{}.xsd'
_XSI = 'http://www.w3.org/2001/XMLSchema-instance'


def normalize_namespace(namespace: str) -> str:
    """'/', 'robot1', '/robot1/' -> '/', '/robot1', '/robot1': the form the ROS graph reports."""
    return '/' + namespace.strip('/')


def enclave_of(namespace: str, node_name: str) -> str:
    """The enclave of one node, `/fracturescope/<namespace>/<node>`: each node its own identity and grant."""
    ns = normalize_namespace(namespace)
    tokens = (ns.split('/')[1:] if ns != '/' else []) + [node_name]
    for token in tokens:
        if not _TOKEN.fullmatch(token):
            raise ValueError(f'{token!r} cannot be part of an enclave name (letters, digits, _; no leading digit)')
    return '/'.join([ENCLAVE_ROOT, *tokens])


def fully_qualified(namespace: str, node_name: str) -> str:
    """The node's fully qualified name, /<namespace>/<node>."""
    ns = normalize_namespace(namespace)
    return f'{ns.rstrip("/")}/{node_name}'


@dataclass(frozen=True)
class NodeGraph:
    """One node as the graph showed it: fully qualified topic and service names, each with its types."""

    name: str
    namespace: str
    publishers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    subscriptions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    services: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    clients: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def enclave(self) -> str:
        return enclave_of(self.namespace, self.name)


@dataclass(frozen=True)
class DdsGrant:
    """The DDS topics one node may publish and subscribe to."""

    publish: frozenset[str]
    subscribe: frozenset[str]


def topic_dds(name: str) -> str:
    """ROS topic -> DDS topic: /ns/defects -> rt/ns/defects (rmw_fastrtps_shared_cpp/src/namespace_prefix.cpp,
    ros_topic_prefix)."""
    return f'rt{name}'


def request_dds(service: str) -> str:
    """A service's request topic: /ns/srv -> rq/ns/srvRequest (ros_service_requester_prefix, same file)."""
    return f'rq{service}Request'


def reply_dds(service: str) -> str:
    """A service's reply topic: /ns/srv -> rr/ns/srvReply (ros_service_response_prefix, same file)."""
    return f'rr{service}Reply'


def node_services(node: NodeGraph) -> tuple[str, ...]:
    """The node's own parameter and type description services, fully qualified."""
    prefix = fully_qualified(node.namespace, node.name)
    return tuple(f'{prefix}/{service}' for service in NODE_SERVICES)


def grant_for(node: NodeGraph) -> DdsGrant:
    """Exactly the node's topics and services, plus what every node needs (EVERY_NODE_PUBLISHES, NODE_SERVICES,
    ROS_DISCOVERY_TOPIC); a service server publishes replies and reads requests, a client the other way round
    (permissions.xsl, modes "reply" and "request")."""
    servers = set(node.services) | set(node_services(node))
    publish = {topic_dds(t) for t in set(node.publishers) | set(EVERY_NODE_PUBLISHES)}
    publish |= {reply_dds(s) for s in servers} | {request_dds(c) for c in node.clients}
    subscribe = {topic_dds(t) for t in node.subscriptions}
    subscribe |= {request_dds(s) for s in servers} | {reply_dds(c) for c in node.clients}
    return DdsGrant(frozenset(publish | {ROS_DISCOVERY_TOPIC}), frozenset(subscribe | {ROS_DISCOVERY_TOPIC}))


def _root() -> ET.Element:
    ET.register_namespace('xsi', _XSI)
    return ET.Element('dds')


def _document(root: ET.Element, schema: str) -> bytes:
    root.set(f'{{{_XSI}}}noNamespaceSchemaLocation', _SCHEMA_LOCATION.format(schema))
    ET.indent(root, space='  ')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n').encode()


def _domains(parent: ET.Element, domain_id: int) -> None:
    ET.SubElement(ET.SubElement(parent, 'domains'), 'id').text = str(domain_id)


def _texts(parent: ET.Element, values: Iterable[tuple[str, str]]) -> None:
    for tag, text in values:
        ET.SubElement(parent, tag).text = text


def governance_xml(domain_id: int) -> bytes:
    """Governance for the domain: only authenticated participants, join access control, discovery, liveliness and
    RTPS messages encrypted, and every topic under read/write access control with encrypted data and metadata.
    Element order of governance.xsd (DDS-Security 1.1 section 9.4.1.2); sros2's default governance.xml signs RTPS
    messages only, this one encrypts them."""
    root = _root()
    rule = ET.SubElement(ET.SubElement(root, 'domain_access_rules'), 'domain_rule')
    _domains(rule, domain_id)
    _texts(rule, [('allow_unauthenticated_participants', 'false'), ('enable_join_access_control', 'true'),
                  ('discovery_protection_kind', 'ENCRYPT'), ('liveliness_protection_kind', 'ENCRYPT'),
                  ('rtps_protection_kind', 'ENCRYPT')])
    topic_rule = ET.SubElement(ET.SubElement(rule, 'topic_access_rules'), 'topic_rule')
    _texts(topic_rule, [('topic_expression', '*'), ('enable_discovery_protection', 'true'),
                        ('enable_liveliness_protection', 'true'), ('enable_read_access_control', 'true'),
                        ('enable_write_access_control', 'true'), ('metadata_protection_kind', 'ENCRYPT'),
                        ('data_protection_kind', 'ENCRYPT')])
    return _document(root, 'governance')


def _timestamp(moment: datetime.datetime) -> str:
    """UTC without zone or fraction, as sros2 passes the certificate's validity to permissions.xsl."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0).isoformat()


def permissions_xml(enclave: str, grant: DdsGrant, domain_id: int, not_before: datetime.datetime,
                    not_after: datetime.datetime) -> bytes:
    """One grant for the enclave's certificate subject (CN=<enclave>), valid as long as the certificate, allowing
    exactly `grant` in the domain and denying everything else (DDS-Security 1.1 section 9.4.1.3, permissions.xsd;
    topics sorted as permissions.xsl sorts them)."""
    root = _root()
    element = ET.SubElement(ET.SubElement(root, 'permissions'), 'grant', name=enclave)
    ET.SubElement(element, 'subject_name').text = f'CN={enclave}'
    validity = ET.SubElement(element, 'validity')
    _texts(validity, [('not_before', _timestamp(not_before)), ('not_after', _timestamp(not_after))])
    rule = ET.SubElement(element, 'allow_rule')
    _domains(rule, domain_id)
    for kind, topics in (('publish', grant.publish), ('subscribe', grant.subscribe)):
        listed = ET.SubElement(ET.SubElement(rule, kind), 'topics')
        for topic in sorted(topics):
            ET.SubElement(listed, 'topic').text = topic
    ET.SubElement(element, 'default').text = 'DENY'
    return _document(root, 'permissions')


def grant_in(document: bytes) -> tuple[str, DdsGrant]:
    """The subject and allowed topics of a permissions document this module wrote (for review and verification)."""
    grant = ET.fromstring(document).find('permissions/grant')
    if grant is None:
        raise ValueError('no grant in the permissions document')
    topics = {kind: frozenset(t.text or '' for t in grant.iterfind(f'allow_rule/{kind}/topics/topic'))
              for kind in ('publish', 'subscribe')}
    return grant.findtext('subject_name', ''), DdsGrant(topics['publish'], topics['subscribe'])
