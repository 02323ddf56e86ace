"""fracturescope_control: MSNF and PID spreader-roll control over Modbus TCP, signed operator commands."""
