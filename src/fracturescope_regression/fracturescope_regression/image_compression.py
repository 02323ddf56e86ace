"""Line camera frames stored as JPEG in the committed bags, restored to raw images before they are played.

A simulated 1920x1080 rgb8 frame is 6.2 MB and its sensor noise defeats lossless compression (zstd, PNG and
lossless WebP all leave 2.6-3.2 MB), so the bag holds `<topic>/compressed` (sensor_msgs/CompressedImage, the format
string image_transport writes) and `restore_bag` decodes it into `<topic>` again. The decoded frames, not the
camera's, are what the node sees, at bless time and at run time alike (same pinned OpenCV, deterministic decoder)."""

from __future__ import annotations

from pathlib import Path

import cv2
from fracturescope_bag.bag_reader import open_bag
from fracturescope_bag.bag_writer import BagWriter, TopicSpec
from fracturescope_common.image_conversion import image_to_numpy, numpy_to_image
from fracturescope_common.message_definitions import complete_definition
import numpy as np
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import CompressedImage, Image

SUFFIX = '/compressed'
COMPRESSED_TYPE = 'sensor_msgs/msg/CompressedImage'
IMAGE_TYPE = 'sensor_msgs/msg/Image'
FORMAT = 'rgb8; jpeg compressed bgr8'   # image_transport's compressed format string for an rgb8 source


def compress(msg: Image, quality: int) -> CompressedImage:
    rgb = image_to_numpy(msg)
    ok, data = cv2.imencode('.jpg', np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f'frame at {msg.header.stamp} does not encode as JPEG')
    return CompressedImage(header=msg.header, format=FORMAT, data=data.tobytes())


def restore(msg: CompressedImage) -> Image:
    if msg.format != FORMAT:
        raise ValueError(f'compressed format {msg.format!r} is not {FORMAT!r}')
    bgr = cv2.imdecode(np.frombuffer(bytes(msg.data), np.uint8), cv2.IMREAD_COLOR)
    return numpy_to_image(np.ascontiguousarray(bgr[:, :, ::-1]), 'rgb8', msg.header)


def _transcode(source: Path, target: Path, topics: dict[str, tuple[str, str]], convert: object) -> None:
    """Copy the bag `source` to `target`; topics named in `topics` (name -> new name, new type) are converted."""
    bag = open_bag(source)
    with BagWriter(target, zstd_chunks=True) as writer:
        for topic in bag.topics.values():
            name, kind = topics.get(topic.name, (topic.name, topic.type))
            writer.add_topic(TopicSpec(name, kind, topic.offered_qos,
                                       topic.type_description_hash if kind == topic.type else '',
                                       complete_definition(kind)))
        for message in bag.messages():
            if message.topic in topics:
                writer.write(topics[message.topic][0], message.timestamp_ns, convert(message.data))
            else:
                writer.write(message.topic, message.timestamp_ns, message.data)


def compress_bag(source: Path, target: Path, image_topic: str, quality: int) -> None:
    """`source` with `image_topic` (rgb8) stored as `<image_topic>/compressed` JPEG of `quality` (0..100)."""
    _transcode(source, target, {image_topic: (image_topic + SUFFIX, COMPRESSED_TYPE)},
               lambda data: serialize_message(compress(deserialize_message(data, Image), quality)))


def compressed_topics(bag: Path) -> list[str]:
    return [t.name for t in open_bag(bag).topics.values() if t.type == COMPRESSED_TYPE and t.name.endswith(SUFFIX)]


def restore_bag(source: Path, target: Path) -> None:
    """`source` with every `<topic>/compressed` decoded into raw rgb8 frames on `<topic>` (the restore step)."""
    _transcode(source, target, {t: (t[:-len(SUFFIX)], IMAGE_TYPE) for t in compressed_topics(source)},
               lambda data: serialize_message(restore(deserialize_message(data, CompressedImage))))
