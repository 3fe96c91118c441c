#!/usr/bin/env bash
# Regenerates every golden render tree (test/golden/<fixture>/tree/) from its cluster.yaml, and
# the operator manifests (test/golden/operator/manifests.yaml),
# with fixed keys, clock and randomness. Review the resulting diff like code.
set -euo pipefail
cd "$(dirname "$0")/.."
UPDATE_GOLDEN=1 node --experimental-vm-modules node_modules/jest/bin/jest.js test/unit/render/golden.test.ts test/unit/upgrade/manifests-golden.test.ts --selectProjects unit "$@"
