#!/usr/bin/env bash
# The test command (README, .ci/run): every package's tests, the workspace tests, linters. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
# mosquitto for the MQTT tests (Debian's package; apt-get only when it is missing)
scripts/install_test_services.sh
exec python -m pytest src tests "$@"
