#!/usr/bin/env bash
# The test command (README): build + type check, lint, generated-file check, then every jest
# project (unit, integration, e2e). Integration and e2e suites need the test environment that
# hack/test-env.sh installs (CI runs it first). Prints a closing "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

fail=0
step() { echo "== $*" >&2; }

step "build (tsc, strict)"
npm run --silent build || fail=1
step "lint (eslint)"
npx eslint . || fail=1
step "generated files are current"
bash hack/verify-generated.sh || fail=1

step "jest ${*:-(all projects)}"
out=$(mktemp)
# --forceExit: a suite that leaves a handle open must not hang CI after every test finished.
node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile="$out" --forceExit "$@"
jest_rc=$?
read -r passed failed < <(node -e '
  try { const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites || 0)); }
  catch { console.log(0, 1); }' "$out")
rm -f "$out"
[ "$jest_rc" -eq 0 ] || fail=1
if [ "$fail" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a failed build/lint counts
echo "$passed passed, $failed failed"
exit $fail
