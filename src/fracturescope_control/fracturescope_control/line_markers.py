"""The line as RViz markers, in its own frame on the sheet plane (x across the line in m from the line's mm origin,
as the Edge-Eye tracker counts; y along the line, downstream; z up): the sheet between its measured edges, the
standard edge positions, and the spreader rolls with the frequencies the control node last commanded and its mode.

The standard is not configured here: a controller (AUTO) roll command carries each edge's error from the standard
and the stamp of the measurement it answers, so standard = measured edge - error, and an operator's new standard
shows at the next command."""

from __future__ import annotations

from dataclasses import dataclass
import math

from geometry_msgs.msg import Point
from std_msgs.msg import ColorRGBA, Header
from visualization_msgs.msg import Marker, MarkerArray

from fracturescope_msgs.msg import EdgeMeasurement, RollCommand

NAMESPACE = 'line'
MM = 1e-3
SHEET_LENGTH_M = 1.2          # the stretch of sheet drawn along the line (m)
ROLL_Y_M = -0.8               # the spreader rolls, upstream of the camera's view (m)
ROLL_LENGTH_M = 0.5
ROLL_RADIUS_M = 0.06
USABLE = {EdgeMeasurement.STATUS_OK: (0.2, 0.8, 0.2), EdgeMeasurement.STATUS_REPAIRED: (0.9, 0.8, 0.1)}
STATUS_TEXT = {EdgeMeasurement.STATUS_UNRECOGNISED: 'edges lost (unrecognised)',
               EdgeMeasurement.STATUS_NO_MATERIAL: 'no sheet in view'}
MODE_COLOURS = {RollCommand.MODE_AUTO: (0.2, 0.8, 0.2), RollCommand.MODE_HOLD: (1.0, 0.6, 0.0),
                RollCommand.MODE_ESTOP: (1.0, 0.1, 0.1), RollCommand.MODE_MANUAL: (0.2, 0.5, 1.0)}
MODE_NAMES = {RollCommand.MODE_AUTO: 'AUTO', RollCommand.MODE_HOLD: 'HOLD', RollCommand.MODE_ESTOP: 'E-STOP',
              RollCommand.MODE_MANUAL: 'MANUAL'}


def _colour(rgb: tuple[float, float, float], alpha: float = 1.0) -> ColorRGBA:
    return ColorRGBA(r=rgb[0], g=rgb[1], b=rgb[2], a=alpha)


@dataclass
class LineView:
    """The newest measurement and command, and the standard learnt from them."""

    edges: EdgeMeasurement | None = None
    command: RollCommand | None = None
    standard_mm: tuple[float, float] | None = None

    def measured(self, msg: EdgeMeasurement) -> None:
        self.edges = msg

    def commanded(self, msg: RollCommand) -> None:
        self.command = msg
        edges = self.edges
        if (msg.mode == RollCommand.MODE_AUTO and edges is not None and edges.header.stamp == msg.header.stamp
                and math.isfinite(msg.error_left_mm) and math.isfinite(msg.error_right_mm)):
            self.standard_mm = (edges.left_mm - msg.error_left_mm, edges.right_mm - msg.error_right_mm)

    def markers(self, header: Header) -> MarkerArray:
        """Everything, replacing what was drawn before (a DELETEALL first)."""
        out = [Marker(header=header, ns=NAMESPACE, action=Marker.DELETEALL)]

        def add(kind: int, colour: ColorRGBA, **fields: object) -> Marker:
            marker = Marker(header=header, ns=NAMESPACE, id=len(out), type=kind, action=Marker.ADD, color=colour,
                            **fields)
            marker.pose.orientation.w = 1.0
            out.append(marker)
            return marker

        def text(x: float, y: float, z: float, words: str, colour: ColorRGBA) -> None:
            marker = add(Marker.TEXT_VIEW_FACING, colour, text=words)
            marker.pose.position = Point(x=x, y=y, z=z)
            marker.scale.z = 0.08

        white = _colour((1.0, 1.0, 1.0))
        edges = self.edges
        if edges is not None and edges.status in USABLE:
            left, right = edges.left_mm * MM, edges.right_mm * MM
            sheet = add(Marker.CUBE, _colour(USABLE[edges.status], 0.5))
            sheet.pose.position = Point(x=(left + right) / 2, y=0.0, z=0.0)
            sheet.scale.x, sheet.scale.y, sheet.scale.z = right - left, SHEET_LENGTH_M, 0.01
            text((left + right) / 2, SHEET_LENGTH_M / 2 + 0.1, 0.05,
                 f'sheet {edges.left_mm:.1f} .. {edges.right_mm:.1f} mm', white)
        elif edges is not None:
            text(0.0, 0.0, 0.1, STATUS_TEXT.get(edges.status, f'edge status {edges.status}'), _colour((1.0, 0.2, 0.2)))
        if self.standard_mm is not None:
            lines = add(Marker.LINE_LIST, _colour((0.8, 0.8, 0.8)))
            lines.scale.x = 0.005
            for x_mm in self.standard_mm:
                lines.points += [Point(x=x_mm * MM, y=-SHEET_LENGTH_M / 2, z=0.01),
                                 Point(x=x_mm * MM, y=SHEET_LENGTH_M / 2, z=0.01)]
        command = self.command
        if command is not None:
            colour = _colour(MODE_COLOURS.get(command.mode, (1.0, 1.0, 1.0)))
            centres = self.standard_mm or ((edges.left_mm, edges.right_mm) if edges and edges.status in USABLE
                                           else (0.0, 0.0))
            for x_mm, hz, error in ((centres[0], command.f_left_hz, command.error_left_mm),
                                    (centres[1], command.f_right_hz, command.error_right_mm)):
                roll = add(Marker.CYLINDER, colour)
                roll.pose.position = Point(x=x_mm * MM, y=ROLL_Y_M, z=ROLL_RADIUS_M)
                roll.pose.orientation.x = roll.pose.orientation.w = math.sqrt(0.5)   # axis along the line
                roll.scale.x = roll.scale.y = 2 * ROLL_RADIUS_M
                roll.scale.z = ROLL_LENGTH_M
                off = f', edge {error:+.1f} mm' if math.isfinite(error) else ''
                text(x_mm * MM, ROLL_Y_M, 2 * ROLL_RADIUS_M + 0.1, f'{hz:.2f} Hz{off}', colour)
            middle = (centres[0] + centres[1]) / 2 * MM
            text(middle, ROLL_Y_M, 0.3, f'{MODE_NAMES.get(command.mode, command.mode)} ({command.controller})'
                 f'{"" if command.written_to_plc else ", not written to the PLC"}', colour)
        return MarkerArray(markers=out)
