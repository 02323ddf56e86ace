#!/usr/bin/env bash
# Start of the container: the robot's keys in its volume on first start (fracturescope-provision-keys; an operator
# public key can come in FRACTURESCOPE_OPERATOR_PUBLIC_KEY), then the command (default: the robot launch file).
set -euo pipefail
home=${FRACTURESCOPE_HOME:-/opt/fracturescope}
for setup in "/opt/ros/${ROS_DISTRO:-kilted}/setup.bash" "$home/install/setup.bash"; do
  # shellcheck disable=SC1090
  if [ -f "$setup" ]; then set +u; . "$setup"; set -u; fi
done
python3 -m fracturescope_bringup.provision_keys "${FRACTURESCOPE_DATA:-/var/lib/fracturescope}"
exec "$@"
