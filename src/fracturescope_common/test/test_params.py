from fracturescope_common.params import MissingParametersError, ParameterSpec, declare_parameters
import pytest
from rclpy.node import Node
from rclpy.parameter import Parameter

SPECS = (
    ParameterSpec('rate_hz', Parameter.Type.DOUBLE, 'publish rate (Hz)'),
    ParameterSpec('topics', Parameter.Type.STRING_ARRAY, 'topics (names)'),
)


def make_node(context, overrides):
    return Node('params_test', context=context, parameter_overrides=overrides)


def test_values_come_from_overrides_with_descriptions(context):
    node = make_node(context, [Parameter('rate_hz', value=5.0), Parameter('topics', value=['a', 'b'])])
    values = declare_parameters(node, SPECS)
    assert values.rate_hz == 5.0 and values.topics == ['a', 'b']
    descriptor = node.describe_parameter('rate_hz')
    assert descriptor.description == 'publish rate (Hz)'
    node.destroy_node()


def test_missing_values_are_all_named(context):
    node = make_node(context, [])
    with pytest.raises(MissingParametersError, match='rate_hz, topics'):
        declare_parameters(node, SPECS)
    node.destroy_node()


RUNTIME = (
    ParameterSpec('rate_hz', Parameter.Type.DOUBLE, 'publish rate (Hz)', runtime=True),
    ParameterSpec('gains', Parameter.Type.DOUBLE_ARRAY, 'gains (1)', runtime=True),
    ParameterSpec('port', Parameter.Type.INTEGER, 'port (port)'),
)


def test_a_whole_number_is_taken_for_a_double(context):
    """`rate_hz:=10` from a launch argument arrives as an integer."""
    node = make_node(context, [Parameter('rate_hz', value=10), Parameter('gains', value=[1, 2]),
                               Parameter('port', value=502)])
    values = declare_parameters(node, RUNTIME)
    assert values.rate_hz == 10.0 and isinstance(values.rate_hz, float) and values.gains == [1.0, 2.0]
    assert node.get_parameter('rate_hz').type_ == Parameter.Type.DOUBLE
    node.destroy_node()


def test_a_value_of_another_type_is_refused_at_start(context):
    node = make_node(context, [Parameter('rate_hz', value=1.0), Parameter('gains', value=[1.0]),
                               Parameter('port', value=5.5)])
    with pytest.raises(ValueError, match='port is declared integer, got double 5.5'):
        declare_parameters(node, RUNTIME)
    node.destroy_node()


def test_run_time_changes_are_checked_by_the_node_then_seen_by_it(context):
    node = make_node(context, [Parameter('rate_hz', value=1.0), Parameter('gains', value=[1.0]),
                               Parameter('port', value=502)])
    values = declare_parameters(node, RUNTIME, lambda changes: 'must be positive'
                                if changes.get('rate_hz', 1.0) <= 0 else None)

    def set_(name, value):
        return node.set_parameters([Parameter(name, value=value)])[0]

    assert set_('rate_hz', 4).successful and values.rate_hz == 4.0          # ros2 param set node rate_hz 4
    refused = set_('rate_hz', -1.0)
    assert not refused.successful and refused.reason == 'must be positive' and values.rate_hz == 4.0
    assert not set_('rate_hz', 'fast').successful and values.rate_hz == 4.0
    read_only = set_('port', 503)
    assert not read_only.successful and 'read-only' in read_only.reason and values.port == 502
    assert node.describe_parameter('port').read_only and not node.describe_parameter('rate_hz').read_only
    assert set_('use_sim_time', True).successful                              # rclpy's own stay settable
    node.destroy_node()
