#!/usr/bin/env bash
# The main job (README): the simulated graph from launch/sim.launch.xml, then a summary. Arguments go to
# fracturescope-main (--duration S, --ledger-dir DIR, --detection-rate HZ).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
exec python -m fracturescope_bringup.main_job "$@"
