"""The line drawn for RViz: the sheet between usable edges only, the standard learnt from controller commands (edge
minus its error, for the measurement the command answers), the rolls in the mode's colour, and what a lost edge
shows."""

import math

from fracturescope_control.line_markers import MODE_COLOURS, LineView
from std_msgs.msg import Header
from visualization_msgs.msg import Marker

from fracturescope_msgs.msg import EdgeMeasurement, RollCommand

HEADER = Header(frame_id='line')


def edges(left_mm, right_mm, status=EdgeMeasurement.STATUS_OK, sec=1):
    msg = EdgeMeasurement(status=status, left_mm=left_mm, right_mm=right_mm, width_mm=right_mm - left_mm)
    msg.header.stamp.sec = sec
    return msg


def command(error_left_mm, error_right_mm, mode=RollCommand.MODE_AUTO, sec=1):
    msg = RollCommand(mode=mode, controller='msnf', f_left_hz=25.5, f_right_hz=24.25, error_left_mm=error_left_mm,
                      error_right_mm=error_right_mm, written_to_plc=True)
    msg.header.stamp.sec = sec
    return msg


def of_type(markers, kind):
    return [m for m in markers.markers if m.type == kind and m.action == Marker.ADD]


def test_the_sheet_the_standard_and_the_rolls():
    view = LineView()
    view.measured(edges(903.0, 2695.0))
    view.commanded(command(3.0, -5.0))
    assert view.standard_mm == (900.0, 2700.0)
    markers = view.markers(HEADER)
    assert markers.markers[0].action == Marker.DELETEALL and {m.header.frame_id for m in markers.markers} == {'line'}
    (sheet,) = of_type(markers, Marker.CUBE)
    assert math.isclose(sheet.pose.position.x, 1.799) and math.isclose(sheet.scale.x, 1.792)
    (standard,) = of_type(markers, Marker.LINE_LIST)
    assert sorted({round(p.x, 3) for p in standard.points}) == [0.9, 2.7]
    rolls = of_type(markers, Marker.CYLINDER)
    assert [round(r.pose.position.x, 3) for r in rolls] == [0.9, 2.7]
    assert all((r.color.r, r.color.g, r.color.b) == MODE_COLOURS[RollCommand.MODE_AUTO] for r in rolls)
    texts = [m.text for m in of_type(markers, Marker.TEXT_VIEW_FACING)]
    assert '25.50 Hz, edge +3.0 mm' in texts and '24.25 Hz, edge -5.0 mm' in texts and 'AUTO (msnf)' in texts
    assert len({m.id for m in markers.markers[1:]}) == len(markers.markers) - 1      # ids unique


def test_a_lost_edge_draws_no_sheet_and_a_hold_keeps_the_learnt_standard():
    view = LineView()
    view.measured(edges(903.0, 2695.0))
    view.commanded(command(3.0, -5.0))
    view.measured(edges(0.0, 0.0, EdgeMeasurement.STATUS_UNRECOGNISED, sec=2))
    view.commanded(command(math.nan, math.nan, RollCommand.MODE_HOLD, sec=2))
    markers = view.markers(HEADER)
    assert not of_type(markers, Marker.CUBE)
    texts = [m.text for m in of_type(markers, Marker.TEXT_VIEW_FACING)]
    assert 'edges lost (unrecognised)' in texts and 'HOLD (msnf)' in texts and '25.50 Hz' in texts
    assert view.standard_mm == (900.0, 2700.0)
    assert all((r.color.r, r.color.g, r.color.b) == MODE_COLOURS[RollCommand.MODE_HOLD]
               for r in of_type(markers, Marker.CYLINDER))


def test_a_command_for_another_measurement_teaches_no_standard():
    view = LineView()
    view.measured(edges(950.0, 2650.0, sec=5))
    view.commanded(command(3.0, -5.0, sec=4))            # it answers an older frame than the one we hold
    assert view.standard_mm is None
    view.commanded(command(0.0, 0.0, RollCommand.MODE_MANUAL, sec=5))   # manual: its errors are not the loop's
    assert view.standard_mm is None
