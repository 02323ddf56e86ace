"""Defect regions as RViz markers in the RGB camera's optical frame (x right, y down, z forward).

A region is a box of pixels; through the camera's intrinsics (CameraInfo K) each corner is a ray, and the box is
drawn where those rays meet the inspected surface, assumed flat and facing the camera at `distance_m`. Each
detection replaces the previous one's markers (a DELETEALL first); a label above each box names the class and its
confidence.
"""

from builtin_interfaces.msg import Duration
from geometry_msgs.msg import Point
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import ColorRGBA
from visualization_msgs.msg import Marker, MarkerArray

from fracturescope_msgs.msg import DefectDetection

NAMESPACE = 'defect_regions'
COLOURS = {'crack': (1.0, 0.2, 0.1), 'corrosion': (1.0, 0.6, 0.0), 'leak': (0.1, 0.6, 1.0),
           'anomaly': (0.9, 0.1, 0.9)}
OTHER_COLOUR = (1.0, 1.0, 0.2)


def pixel_to_surface(u: float, v: float, camera: CameraInfo, distance_m: float) -> Point:
    """Where the ray through pixel (u, v) meets a plane `distance_m` in front of the camera (m, optical frame)."""
    fx, cx, fy, cy = camera.k[0], camera.k[2], camera.k[4], camera.k[5]
    return Point(x=(u - cx) / fx * distance_m, y=(v - cy) / fy * distance_m, z=distance_m)


def region_markers(detection: DefectDetection, camera: CameraInfo, distance_m: float,
                   lifetime_s: float) -> MarkerArray:
    """Markers for every region of `detection`, stamped and framed like the detection."""
    if camera.k[0] <= 0.0 or camera.k[4] <= 0.0:
        raise ValueError('camera info without a focal length (K is all zeros): not calibrated')
    header = detection.header
    lifetime = Duration(sec=int(lifetime_s), nanosec=int(lifetime_s % 1 * 1e9))
    markers = [Marker(header=header, ns=NAMESPACE, action=Marker.DELETEALL)]
    for index, region in enumerate(detection.regions):
        roi = region.roi
        corners = [(roi.x_offset, roi.y_offset), (roi.x_offset + roi.width, roi.y_offset),
                   (roi.x_offset + roi.width, roi.y_offset + roi.height), (roi.x_offset, roi.y_offset + roi.height)]
        points = [pixel_to_surface(u, v, camera, distance_m) for u, v in corners]
        r, g, b = COLOURS.get(region.label, OTHER_COLOUR)
        colour = ColorRGBA(r=r, g=g, b=b, a=1.0)
        box = Marker(header=header, ns=NAMESPACE, id=2 * index, type=Marker.LINE_STRIP, action=Marker.ADD,
                     points=[*points, points[0]], color=colour, lifetime=lifetime)
        box.pose.orientation.w = 1.0
        box.scale.x = 0.004 * distance_m            # line width (m): about 4 mm at a metre
        label = Marker(header=header, ns=NAMESPACE, id=2 * index + 1, type=Marker.TEXT_VIEW_FACING,
                       action=Marker.ADD, text=f'{region.label} {region.confidence:.2f}', color=colour,
                       lifetime=lifetime)
        label.pose.position = Point(x=points[0].x, y=points[0].y - 0.03 * distance_m, z=distance_m)
        label.pose.orientation.w = 1.0
        label.scale.z = 0.03 * distance_m           # text height (m)
        markers += [box, label]
    return MarkerArray(markers=markers)
