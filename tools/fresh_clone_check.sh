#!/usr/bin/env bash
# Clone the committed main into a temporary folder and run the README's two commands there, as
# a newcomer would: `make test` (with PostgreSQL and Redis when the variables are set), then
# `make run` until the portal answers on its port. Prints what each step did; exit 1 on failure.
#   tools/fresh_clone_check.sh [BRANCH]     (default: main)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
branch=${1:-main}
port=${FRESH_PORT:-5099}
dir=$(mktemp -d /tmp/portal-fresh.XXXXXX)
trap 'kill -- -$run_pid 2>/dev/null; rm -rf "$dir"' EXIT
run_pid=

git clone -q --branch "$branch" "$repo" "$dir/portal" || exit 1
cd "$dir/portal" || exit 1
echo "== fresh clone of $branch at $(git rev-parse --short HEAD) in $dir/portal"

start=$(date +%s)
if ! make test > "$dir/test.log" 2>&1; then
  tail -40 "$dir/test.log"
  echo "== make test FAILED after $(( $(date +%s) - start )) s"
  exit 1
fi
grep -E "passed|failed|skipped|PostgreSQL|note:" "$dir/test.log" | grep -v "^SKIPPED"
echo "== make test passed in $(( $(date +%s) - start )) s"

set -m
make run PORT="$port" > "$dir/run.log" 2>&1 &
run_pid=$!
set +m
for _ in $(seq 1 120); do
  code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/auth/login" || true)
  [ "$code" = 200 ] && break
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 1
done
if [ "${code:-}" != 200 ]; then
  tail -30 "$dir/run.log"
  echo "== make run did NOT serve the sign-in page on port $port"
  exit 1
fi
echo "== make run serves: GET /auth/login answered 200 on http://127.0.0.1:$port"
exit 0
