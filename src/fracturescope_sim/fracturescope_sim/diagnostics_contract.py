"""The /diagnostics of the simulated devices (see fracturescope_common.diagnostics_contract): every key the
surface cameras, the line camera, the equipment thermal camera and the PLC simulator publish."""

from fracturescope_common.diagnostics_contract import Family, NodeContract, count, flag, number
from fracturescope_common.publishing import PUBLISH_FAILED

from fracturescope_sim.equipment_thermal_camera import BAD_VARIANTS, GOOD_VARIANTS
from fracturescope_sim.surface_camera import FAULTS
from fracturescope_sim.surfaces.frame import CLASSES, UNSEEN_TYPES

PUBLISHED = count('published')                          # frames (pairs) published since start
RENDER_MS = number('render_ms', '.2f')                  # time to render the latest frame

FAULT = Family('fault_', FAULTS)                        # pairs made bad on purpose, by fault
TRUTH = Family('truth_', CLASSES + UNSEEN_TYPES)        # good pairs, by the ground truth's label
SURFACE_CAMERA = NodeContract('surface_camera', values=(PUBLISHED,),
                              counters=(*FAULT.keys, *TRUTH.keys, PUBLISH_FAILED))

LINE_LATE = count('dropped_line_late')                  # frames not taken: the line's state at capture not known yet
LINE_CAMERA = NodeContract('line_camera', values=(PUBLISHED, RENDER_MS), counters=(LINE_LATE, PUBLISH_FAILED))

VARIANT = Family('variant_', GOOD_VARIANTS + BAD_VARIANTS)   # frames published, by variant (bad ones on purpose)
EQUIPMENT_THERMAL_CAMERA = NodeContract('equipment_thermal_camera', values=(PUBLISHED, RENDER_MS),
                                        counters=(*VARIANT.keys, PUBLISH_FAILED))

PORT, HOLDING = count('port'), flag('holding')          # holding: the drives held, controller heartbeat lost
SETPOINT_LEFT, SETPOINT_RIGHT = number('setpoint_left_hz'), number('setpoint_right_hz')
RUNNING_LEFT, RUNNING_RIGHT = number('running_left_hz'), number('running_right_hz')
WRITES, WRITES_CLAMPED, WRITES_REJECTED = count('writes'), count('writes_clamped'), count('writes_rejected')
HEARTBEAT_LOSSES = count('heartbeat_losses')
CENTRE, DISTURBANCE = number('centre_mm', '.3f'), number('disturbance_mm', '.3f')
EDGES_PUBLISHED = count('edges_published')
PLC_SIMULATOR = NodeContract(
    'plc_simulator',
    values=(PORT, HOLDING, SETPOINT_LEFT, SETPOINT_RIGHT, RUNNING_LEFT, RUNNING_RIGHT, WRITES, WRITES_CLAMPED,
            WRITES_REJECTED, HEARTBEAT_LOSSES, CENTRE, DISTURBANCE),
    counters=(EDGES_PUBLISHED, PUBLISH_FAILED),
)
