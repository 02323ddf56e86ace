"""The Foxglove bridge's /diagnostics (see fracturescope_common.diagnostics_contract): every key it publishes."""

from fracturescope_common.diagnostics_contract import NodeContract, count, text
from fracturescope_common.publishing import PUBLISH_FAILED

URL = text('url')                                   # ws://host:port the server listens on (the port it got)
CHANNELS = count('channels')                        # channels advertised to Foxglove clients now
WATCHED = count('watched_channels')                 # of those, channels at least one client subscribes to
ROS_SUBSCRIPTIONS = count('ros_subscriptions')      # ROS topics the bridge subscribes to now (0: nobody watches)
COMPRESSING = count('compressing')                  # compressed topics someone (Foxglove or ROS) subscribes to now

FORWARDED = count('messages_forwarded')             # messages sent to Foxglove clients
COMPRESSED = count('images_compressed')             # frames encoded as JPEG
RATE_LIMITED = count('images_rate_limited')         # image frames not sent: above max_image_rate_hz
BAD_IMAGE = count('bad_image')                      # frames that could not be compressed (encoding, size)
UNKNOWN_TYPE = count('unknown_types')               # topics not served: no .msg definition or Python type found

FOXGLOVE_BRIDGE = NodeContract(
    'foxglove_bridge',
    values=(URL, CHANNELS, WATCHED, ROS_SUBSCRIPTIONS, COMPRESSING),
    counters=(FORWARDED, COMPRESSED, RATE_LIMITED, BAD_IMAGE, UNKNOWN_TYPE, PUBLISH_FAILED),
)
