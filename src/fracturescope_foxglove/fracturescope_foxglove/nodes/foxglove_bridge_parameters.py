"""The Foxglove bridge node's parameters: name, type and a description with the unit. Values live in
config/foxglove.yaml."""

from fracturescope_common.params import ParameterSpec
from rclpy.parameter import Parameter

S, INT, D, SA = Parameter.Type.STRING, Parameter.Type.INTEGER, Parameter.Type.DOUBLE, Parameter.Type.STRING_ARRAY
PARAMETERS = (
    ParameterSpec('host', S, 'address the WebSocket server listens on: 0.0.0.0 every interface (the robot\'s Wi-Fi), '
                             '127.0.0.1 this machine only (IP address)'),
    ParameterSpec('port', INT, 'TCP port of the WebSocket server (ws://<robot>:<port>); 0: any free port, reported on '
                             '/diagnostics as url (port)'),
    ParameterSpec('topic_allow_list', SA, 'topics served: those whose whole absolute name one of these regular '
                                          'expressions matches; a compressed image topic is matched by its own name '
                                          '(regex)'),
    ParameterSpec('jpeg_quality', INT, 'JPEG quality of the compressed image topics (1..100)', runtime=True),
    ParameterSpec('max_image_rate_hz', D, 'most frames per second sent (and compressed) per image topic, raw or '
                                          'JPEG; 0: every frame (Hz)', runtime=True),
    ParameterSpec('thermal_palette', S, 'single-channel frames (32FC1, 16UC1, mono16), each scaled from its lowest to '
                                        'its highest value: inferno (false colour) or grey (name)', runtime=True),
    ParameterSpec('discovery_period_s', D, 'period of looking for new, changed and gone topics, and for ROS '
                                           'subscribers of the compressed topics (s)'),
    ParameterSpec('client_backlog_messages', INT, 'messages queued per Foxglove client; when a slow link fills it the '
                                                'oldest is dropped (count)'),
    ParameterSpec('diagnostics_period_s', D, 'period of /diagnostics reports (s)'),
)
