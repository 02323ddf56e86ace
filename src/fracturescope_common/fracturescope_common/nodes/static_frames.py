"""Static frames node: the fixed frames of config/frames.yaml (static_frames.py) published once on `tf_static`,
latched, as tf2's static_transform_publisher does, for RViz's and Foxglove's TF. Relative `tf_static`: in the root
namespace it is /tf_static; a namespaced robot keeps its own tree (viewers remap /tf_static:=tf_static)."""

from rclpy.node import Node
from rclpy.parameter import Parameter
from tf2_msgs.msg import TFMessage

from fracturescope_common.diagnostics import DiagnosticsReporter
from fracturescope_common.health import Health
from fracturescope_common.node_main import run_node
from fracturescope_common.params import ParameterSpec, declare_parameters
from fracturescope_common.publishing import publish_or_report
from fracturescope_common.qos import STATIC_TF
from fracturescope_common.static_frames import FRAMES, STATIC_FRAMES, load_frames, transforms

D, S = Parameter.Type.DOUBLE, Parameter.Type.STRING
PARAMETERS = (
    ParameterSpec('frames_file', S, 'YAML file with the `frames` list: parent, child, xyz_m, rpy_deg (path)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)


class StaticFramesNode(Node):
    def __init__(self) -> None:
        super().__init__(STATIC_FRAMES.node)
        p = declare_parameters(self, PARAMETERS)
        self._frames = load_frames(p.frames_file)   # a bad file stops the start with its reason (node_main)
        self._health = Health(STATIC_FRAMES.counters)
        publisher = self.create_publisher(TFMessage, 'tf_static', STATIC_TF)
        message = TFMessage(transforms=transforms(self._frames, self.get_clock().now().to_msg()))
        if publish_or_report(publisher, message, self._health, self.get_logger()):
            self.get_logger().info(f'{len(self._frames)} static frames on {publisher.topic_name}: ' + ', '.join(
                f'{f.parent} -> {f.child}' for f in self._frames))
        self._diagnostics = DiagnosticsReporter(self, STATIC_FRAMES, self._health,
                                                lambda: {FRAMES: len(self._frames)}, self._state,
                                                p.diagnostics_period_s)

    def _state(self) -> str:
        roots = sorted({f.parent for f in self._frames} - {f.child for f in self._frames})
        return f'{len(self._frames)} static frames under {", ".join(roots)}'


def main(args: list[str] | None = None) -> None:
    run_node(StaticFramesNode, 'static_frames', args)


if __name__ == '__main__':
    main()
