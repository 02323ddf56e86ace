from fracturescope_common.params import MissingParametersError, ParameterSpec, declare_parameters
import pytest
import rclpy
from rclpy.node import Node
from rclpy.parameter import Parameter

SPECS = (
    ParameterSpec('rate_hz', Parameter.Type.DOUBLE, 'publish rate (Hz)'),
    ParameterSpec('topics', Parameter.Type.STRING_ARRAY, 'topics (names)'),
)


@pytest.fixture
def context():
    ctx = rclpy.Context()
    rclpy.init(context=ctx, args=[])
    yield ctx
    rclpy.shutdown(context=ctx)


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
