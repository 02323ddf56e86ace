"""sensor_msgs/CameraInfo for a camera's images: what RViz's Camera display and image_proc need to place pixels in
the camera's optical frame (x right, y down, z forward)."""

from collections.abc import Sequence
import math

from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header


def focal_from_horizontal_fov(width_px: int, hfov_deg: float) -> float:
    """Focal length (px) of a pinhole camera `width_px` wide that sees `hfov_deg` degrees across."""
    if not 0.0 < hfov_deg < 180.0 or width_px <= 0:
        raise ValueError(f'horizontal field of view {hfov_deg} deg, width {width_px} px: need 0 < fov < 180, width > 0')
    return width_px / 2.0 / math.tan(math.radians(hfov_deg) / 2.0)


def pinhole_camera_info(header: Header, width_px: int, height_px: int, focal_px: float, cx_px: float | None = None,
                        cy_px: float | None = None, distortion: Sequence[float] = ()) -> CameraInfo:
    """CameraInfo of an unrectified camera: square pixels, principal point (default: the image centre), plumb_bob
    distortion k1, k2, p1, p2, k3 (empty: none). P is K with no translation (a monocular camera)."""
    cx = (width_px - 1) / 2.0 if cx_px is None else cx_px
    cy = (height_px - 1) / 2.0 if cy_px is None else cy_px
    d = [float(v) for v in distortion] or [0.0] * 5
    if len(d) != 5:
        raise ValueError(f'plumb_bob distortion needs k1, k2, p1, p2, k3: got {len(d)} values')
    return CameraInfo(
        header=header, width=width_px, height=height_px, distortion_model='plumb_bob', d=d,
        k=[focal_px, 0.0, cx, 0.0, focal_px, cy, 0.0, 0.0, 1.0],
        r=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        p=[focal_px, 0.0, cx, 0.0, 0.0, focal_px, cy, 0.0, 0.0, 0.0, 1.0, 0.0])


def camera_info_topic(image_topic: str) -> str:
    """The CameraInfo topic beside an image topic, as image_transport names it: .../image_raw -> .../camera_info."""
    return image_topic.rsplit('/', 1)[0] + '/camera_info' if '/' in image_topic else 'camera_info'
