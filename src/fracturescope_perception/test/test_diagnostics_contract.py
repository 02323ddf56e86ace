"""The perception nodes' /diagnostics contracts: what the nodes must fill in, and what observers read back."""

from fracturescope_common.diagnostics_contract import ContractError
from fracturescope_common.health import Health
from fracturescope_perception.diagnostics_contract import (
    DEFECT_DETECTOR,
    EDGE_TRACKER,
    LABEL,
    PAIR_REJECTED,
    STATE,
    STATUS,
    THERMAL_MONITOR,
    UNPAIRED,
    defect_detector,
    thermal_monitor,
)
import pytest


def fresh(contract, **special):
    """A status as a node that has seen nothing yet fills it: 0, empty text, NaN figures."""
    values = {key: special.get(key.name, key.parse('0') if key.parse in (int, float) else '') for key in
              contract.values}
    return contract.status(f'/{contract.node}', 0, 'waiting', values, Health(contract.counters).counters)


def test_the_detector_declares_its_labels_and_observers_read_them_without_the_card():
    status = fresh(defect_detector(['crack', 'none', 'anomaly']))
    reading = DEFECT_DETECTOR.read(status)
    assert reading.family(LABEL) == {'crack': 0, 'none': 0, 'anomaly': 0}
    assert reading.family(PAIR_REJECTED)['size_mismatch'] == 0
    assert reading.family(UNPAIRED) == dict.fromkeys(UNPAIRED.members, 0)


def test_the_tracker_reports_every_status_from_the_start():
    reading = EDGE_TRACKER.read(fresh(EDGE_TRACKER))
    assert reading.family(STATUS) == {'ok': 0, 'repaired': 0, 'unrecognised': 0, 'no_material': 0}


def test_the_thermal_monitor_states_come_from_its_card():
    reading = THERMAL_MONITOR.read(fresh(thermal_monitor(['cold', 'warm', 'hot', 'anomaly'])))
    assert reading.family(STATE) == {'cold': 0, 'warm': 0, 'hot': 0, 'anomaly': 0}
    with pytest.raises(ContractError, match='no state_<...> key'):
        THERMAL_MONITOR.read(fresh(THERMAL_MONITOR)).family(STATE)   # a monitor that lost its states is caught
