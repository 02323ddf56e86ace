"""Names, grants and documents: each node allowed exactly its topics and services, as rmw names them on DDS."""

import datetime
from pathlib import Path

from fracturescope_security.policy import (
    DdsGrant,
    NodeGraph,
    enclave_of,
    governance_xml,
    grant_for,
    grant_in,
    permissions_xml,
)
import pytest
from xsd_check import Schema

SCHEMAS = Path(__file__).parent / 'data' / 'dds_security'
PARAMETER_SERVICES = ['describe_parameters', 'get_parameter_types', 'get_parameters', 'get_type_description',
                      'list_parameters', 'set_parameters', 'set_parameters_atomically']


@pytest.mark.parametrize(('namespace', 'node', 'enclave'), [
    ('/', 'ledger', '/fracturescope/ledger'),
    ('', 'ledger', '/fracturescope/ledger'),
    ('robot1', 'control', '/fracturescope/robot1/control'),
    ('/line/robot_2/', 'control', '/fracturescope/line/robot_2/control'),
])
def test_enclave_of(namespace, node, enclave):
    assert enclave_of(namespace, node) == enclave


@pytest.mark.parametrize(('namespace', 'node'), [('/', '2ledger'), ('/robot-1', 'ledger'), ('/', ''), ('/a//b', 'x')])
def test_enclave_of_refuses_names_rcl_would_refuse(namespace, node):
    with pytest.raises(ValueError):
        enclave_of(namespace, node)


def test_grant_is_exactly_the_nodes_endpoints_plus_what_every_node_needs():
    node = NodeGraph('ledger', '/robot1', publishers={'/robot1/ledger/blocks': ('m/msg/B',)},
                     subscriptions={'/robot1/defects': ('m/msg/D',)}, services={'/robot1/ledger/verify': ('m/srv/V',)},
                     clients={'/robot1/plc/reset': ('m/srv/R',)})
    grant = grant_for(node)
    own = [f'/robot1/ledger/{s}' for s in PARAMETER_SERVICES] + ['/robot1/ledger/verify']
    assert grant.publish == {'ros_discovery_info', 'rt/robot1/ledger/blocks', 'rt/rosout', 'rt/parameter_events',
                             'rq/robot1/plc/resetRequest', *(f'rr{s}Reply' for s in own)}
    assert grant.subscribe == {'ros_discovery_info', 'rt/robot1/defects', 'rr/robot1/plc/resetReply',
                               *(f'rq{s}Request' for s in own)}


def test_a_node_in_the_root_namespace_serves_its_parameters_under_its_name():
    grant = grant_for(NodeGraph('control', '/'))
    assert 'rr/control/get_parametersReply' in grant.publish
    assert 'rq/control/get_parametersRequest' in grant.subscribe
    assert not any('//' in topic for topic in grant.publish | grant.subscribe)


def test_governance_protects_everything_and_fits_the_schema():
    document = governance_xml(42)
    assert Schema(SCHEMAS / 'governance.xsd').validate(document) == []
    text = document.decode()
    for setting in ('<id>42</id>', '<allow_unauthenticated_participants>false<', '<enable_join_access_control>true<',
                    '<discovery_protection_kind>ENCRYPT<', '<rtps_protection_kind>ENCRYPT<',
                    '<data_protection_kind>ENCRYPT<', '<enable_read_access_control>true<'):
        assert setting in text


def test_permissions_fit_the_schema_and_read_back():
    grant = DdsGrant(frozenset({'rt/a', 'ros_discovery_info'}), frozenset({'rt/b', 'ros_discovery_info'}))
    start = datetime.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=datetime.UTC)
    document = permissions_xml('/fracturescope/x', grant, 3, start, start + datetime.timedelta(days=1))
    assert Schema(SCHEMAS / 'permissions.xsd').validate(document) == []
    assert grant_in(document) == ('CN=/fracturescope/x', grant)
    assert b'<not_before>2026-01-02T03:04:05</not_before>' in document
    assert b'<id>3</id>' in document and b'<default>DENY</default>' in document


def test_the_schema_check_finds_what_the_schema_forbids():
    schema = Schema(SCHEMAS / 'governance.xsd')
    good = governance_xml(0)
    swapped = good.replace(b'<allow_unauthenticated_participants>false</allow_unauthenticated_participants>', b'')
    assert schema.validate(swapped) != []
    assert schema.validate(good.replace(b'>ENCRYPT</rtps', b'>SECRET</rtps')) != []
    assert schema.validate(good.replace(b'<id>0</id>', b'<id>-1</id>')) != []
    permissions = permissions_xml('/x', DdsGrant(frozenset({'rt/a'}), frozenset()), 0,
                                  datetime.datetime.now(datetime.UTC), datetime.datetime.now(datetime.UTC))
    permissions_schema = Schema(SCHEMAS / 'permissions.xsd')
    assert permissions_schema.validate(permissions.replace(b'<default>DENY</default>', b'')) != []
    assert permissions_schema.validate(permissions.replace(b'<default>', b'<relay_all/><default>')) != []
