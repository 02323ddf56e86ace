"""The Python class of a message type named as in a bag or the graph (`pkg/msg/Type`): rclpy needs it for the
type support of a raw subscription or publisher, even though the bytes are never decoded here."""

from __future__ import annotations

import importlib


class UnknownMessageTypeError(LookupError):
    """The type's package is not installed (or the name is not a message type)."""


def message_class(type_name: str) -> type:
    parts = type_name.split('/')
    if len(parts) == 2:  # ROS 1 style `pkg/Type`, as some old bags name types
        parts = [parts[0], 'msg', parts[1]]
    # pkg/srv/Type_Event: the messages rosbag2 records for service introspection
    if len(parts) != 3 or parts[1] not in ('msg', 'srv') or not all(parts):
        raise UnknownMessageTypeError(f'{type_name}: not a message type name (pkg/msg/Type)')
    package, kind, name = parts
    try:
        module = importlib.import_module(f'{package}.{kind}')
        return getattr(module, name)
    except (ImportError, AttributeError) as error:
        raise UnknownMessageTypeError(f'{type_name}: not installed here ({error})') from error
