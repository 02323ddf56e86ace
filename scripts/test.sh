#!/usr/bin/env bash
# The test command (README, .ci/run): every package's tests, the workspace tests, linters. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
source scripts/env.sh
exec python -m pytest src tests "$@"
