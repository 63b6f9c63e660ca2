#!/usr/bin/env bash
# Runs every Harmattan test. On Debian it installs RabbitMQ when it is absent and starts it when it is not
# running (and stops it again at the end if it started it); without a MongoDB it starts the MongoDB wire stand-in
# from ../shared/mongo-standin when that exists (see below). Extra arguments go to `dotnet test`,
# e.g. tests/run.sh --filter "FullyQualifiedName~Transformer".
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "== installing rabbitmq-server (Debian package)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  else
    echo "RabbitMQ is not installed and this is not a Debian machine: install RabbitMQ, start it on localhost:5672, then rerun." >&2
    exit 1
  fi
fi

started_rabbitmq=""
if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
  echo "== starting RabbitMQ"
  as_root rabbitmq-server -detached
  started_rabbitmq=yes
fi
mongo_pids=""
cleanup() {
  if [ -n "$mongo_pids" ]; then echo "== stopping the MongoDB wire stand-ins (PIDs$mongo_pids)"; kill $mongo_pids 2>/dev/null || true; fi
  if [ -n "$started_rabbitmq" ]; then echo "== stopping RabbitMQ"; as_root rabbitmqctl -q stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
# `rabbitmq-server -detached` returns before the Erlang node registers, and `await_startup` fails at once on a node
# that is not registered yet, so poll until it answers (up to two minutes).
rabbitmq_ready=""
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
  if as_root timeout 60 rabbitmqctl -q await_startup >/dev/null 2>&1; then rabbitmq_ready=yes; break; fi
  sleep 1
done
if [ -z "$rabbitmq_ready" ]; then
  echo "RabbitMQ did not start within two minutes. Its log (/var/log/rabbitmq) ends with:" >&2
  as_root sh -c 'tail -n 40 /var/log/rabbitmq/*.log' >&2 || true
  exit 1
fi
echo "== RabbitMQ is up"

# MongoDB: a real server named by ConnectionStrings__MongoDb, or one Testcontainers starts where Docker answers, takes
# precedence. Without either, the MongoDB wire stand-in beside the repository (../shared/mongo-standin, absent on a
# user's machine) serves the MongoDB suites, and the tests label their target "MongoDB wire stand-in": a pass there
# is not a MongoDB pass. With none of the three, the MongoDB tests skip with their reason.
standin=../shared/mongo-standin/start.sh
docker_answers() { [ -n "${DOCKER_HOST:-}" ] || { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${ConnectionStrings__MongoDb:-}" ] && [ -x "$standin" ] && ! docker_answers; then
  if ! command -v node >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "== installing nodejs and npm (Debian packages) for the MongoDB wire stand-in"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  # The stand-in answers in one JavaScript thread and scans a whole collection for each upsert (it has no query
  # planner), so the MongoDB end-to-end test's bulk writes of hourly rows hold it for tens of seconds at a time. Hence
  # two of them, so that the unit tests running beside that test do not wait past Storage:MongoOperationTimeout (30
  # s); and a connectTimeoutMS longer than the driver's default 30 s, which the heartbeat waits for before the driver
  # closes every connection in use. A real server answers while it works. Sets standin_uri.
  start_standin() {
    local port=$1
    while port_in_use "$port"; do port=$((port + 1)); done
    echo "== starting the MongoDB wire stand-in on 127.0.0.1:$port for $2 (not MongoDB: see ../shared/mongo-standin/README.md)"
    mongo_pids="$mongo_pids $("$standin" "$port")"
    standin_uri="mongodb://127.0.0.1:$port/?directConnection=true&connectTimeoutMS=300000"
  }
  start_standin 27117 "the unit tests"
  export ConnectionStrings__MongoDb="$standin_uri"
  start_standin 27127 "the MongoDB end-to-end test (HARMATTAN_MONGO_E2E)"
  export HARMATTAN_MONGO_E2E="$standin_uri"
  export HARMATTAN_MONGO_TARGET=standin
fi

status=0
log=$(mktemp)
dotnet test Harmattan.slnx -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# A failure can scroll far up behind the other project's output: each failed test again, with its message's start.
if [ $status -ne 0 ]; then
  echo "== dotnet test failed (exit $status). Failed tests:"
  awk '/^  Failed / { n = 12 } /^  Stack Trace:/ { n = 0 } n > 0 { print; n-- }' "$log" | cut -c1-400
fi
# dotnet test exits 0 when a --filter matches no test: a mistyped filter would pass having run nothing.
if [ $status -eq 0 ] && [[ " $* " != *" --list-tests "* && " $* " != *" -t "* ]] && ! grep -q "^Total tests:" "$log"; then
  echo "== no test ran: the arguments given ($*) match no test of either project; check the filter's spelling (dotnet test --list-tests lists the tests)" >&2
  status=1
fi
rm -f "$log"
# The end-to-end benchmark at a small size (about 10 s): it keeps running, and it fails when the services store
# anything other than what `harmattan run` stores from the same answers. First on SQLite (without the MongoDB variable
# the tests use), compared byte for byte; then, where a MongoDB target is set, with the services storing there,
# compared value for value. Left out when arguments choose tests.
if [ $# -eq 0 ]; then
  echo "== benchmark smoke: e2e --stations 5 --days 30 (the services' stored averages against harmattan run's)"
  env -u ConnectionStrings__MongoDb dotnet run -c Release --project tests/Harmattan.Benchmarks -- e2e --stations 5 --days 30 || status=$?
  if [ -n "${ConnectionStrings__MongoDb:-}" ]; then
    echo "== benchmark smoke on MongoDB: e2e --stations 2 --days 14, the services storing to ConnectionStrings__MongoDb"
    dotnet run -c Release --no-build --project tests/Harmattan.Benchmarks -- e2e --stations 2 --days 14 || status=$?
  fi
fi
# Said once more at the end, so that nobody reads a stand-in pass as a MongoDB pass.
if [ "${HARMATTAN_MONGO_TARGET:-}" = standin ]; then
  echo "== The MongoDB tests ran against the MongoDB wire stand-in, not MongoDB (see README: MongoDB tests)."
elif [ -n "${ConnectionStrings__MongoDb:-}" ]; then
  echo "== The MongoDB tests ran against the server named by ConnectionStrings__MongoDb."
else
  echo "== The MongoDB tests ran against a Testcontainers MongoDB where Docker answered, or were skipped (each says why)."
fi
exit $status
