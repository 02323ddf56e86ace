from fracturescope_common.camera_info import pinhole_camera_info
from fracturescope_perception.fusion.region_markers import pixel_to_surface, region_markers
import pytest
from sensor_msgs.msg import CameraInfo, RegionOfInterest
from std_msgs.msg import Header
from visualization_msgs.msg import Marker

from fracturescope_msgs.msg import DefectDetection, DefectRegion

CAMERA = pinhole_camera_info(Header(frame_id='camera_rgb_optical_frame'), 640, 360, 320.0)   # 90 deg across


def detection(*boxes_and_labels):
    regions = [DefectRegion(roi=RegionOfInterest(x_offset=x, y_offset=y, width=w, height=h), label=label,
                            confidence=0.8) for (x, y, w, h), label in boxes_and_labels]
    return DefectDetection(header=Header(frame_id='camera_rgb_optical_frame'), regions=regions)


def test_a_pixel_lands_on_the_surface_where_its_ray_meets_it():
    centre = pixel_to_surface(319.5, 179.5, CAMERA, 2.0)
    assert (centre.x, centre.y, centre.z) == (0.0, 0.0, 2.0)
    border = pixel_to_surface(639.5, 179.5, CAMERA, 2.0)
    assert border.x == pytest.approx(2.0)                      # 45 degrees off axis at 2 m


def test_each_region_is_a_closed_box_with_a_label_and_the_previous_markers_are_cleared():
    markers = region_markers(detection(((0, 0, 320, 180), 'crack'), ((400, 200, 40, 20), 'anomaly')), CAMERA, 1.0,
                             2.0).markers
    assert markers[0].action == Marker.DELETEALL
    boxes = [m for m in markers if m.type == Marker.LINE_STRIP]
    labels = [m for m in markers if m.type == Marker.TEXT_VIEW_FACING]
    assert len(boxes) == len(labels) == 2 and len({m.id for m in markers[1:]}) == 4
    first = boxes[0].points
    assert len(first) == 5 and first[0] == first[-1]           # closed
    assert first[0].x == pytest.approx(-319.5 / 320) and first[2].x == pytest.approx(0.5 / 320)
    assert all(p.z == 1.0 for p in first)
    assert labels[0].text == 'crack 0.80' and labels[1].text == 'anomaly 0.80'
    assert all(m.header.frame_id == 'camera_rgb_optical_frame' for m in markers)
    assert boxes[0].lifetime.sec == 2


def test_a_detection_without_regions_only_clears_and_an_uncalibrated_camera_is_refused():
    assert [m.action for m in region_markers(detection(), CAMERA, 1.0, 1.0).markers] == [Marker.DELETEALL]
    with pytest.raises(ValueError, match='not calibrated'):
        region_markers(detection(), CameraInfo(), 1.0, 1.0)
