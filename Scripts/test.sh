#!/usr/bin/env bash
# The test command: prepares the machine (apt packages, default model), then runs every test.
# `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh debug
swift test 2>&1
