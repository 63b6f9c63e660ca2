#!/usr/bin/env bash
# The docker compose smoke test: builds every image from its Dockerfile, starts the stack with the offline profile,
# runs the harmattan command through the `cli` service, reads the dashboard's API, kills the loader mid-backfill,
# scales the transformer, and leaves nothing behind. Run from anywhere: deploy/compose/smoke.sh
#
# Container engine: a Docker engine when `docker info` answers; otherwise ../shared/containers/prepare.sh beside the
# repository (podman's Docker API and local stand-ins for the base images); otherwise it skips and says why.
# Store: MongoDB (the whole stack, replica set included) when its image is available; otherwise the MongoDB services
# are left out and the services run on SQLite shared in a volume (deploy/compose/sqlite.yml). SMOKE_STORE=mongodb
# or sqlite forces one. Own project name and host ports, so a RabbitMQ already on 5672 is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
step() { printf '\n== compose smoke [%ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

project=${SMOKE_PROJECT:-harmattan-smoke}
# Below Linux's ephemeral ports (32768-60999): a published port there is one the kernel also hands to any program that
# asks for a free port, and a stack left running would take that program's connections.
export RABBITMQ_PORT=${SMOKE_RABBITMQ_PORT:-31672} RABBITMQ_MANAGEMENT_PORT=${SMOKE_RABBITMQ_MANAGEMENT_PORT:-31673} \
  MONGO_PORT=${SMOKE_MONGO_PORT:-31017} EXTRACTOR_PORT=${SMOKE_EXTRACTOR_PORT:-31101} \
  LOADER_PORT=${SMOKE_LOADER_PORT:-31103} DASHBOARD_PORT=${SMOKE_DASHBOARD_PORT:-31104} SIMULATOR_PORT=${SMOKE_SIMULATOR_PORT:-31089}
stations=(283164601 283181971)
seed_station=283164601 # the seed's published means are station 1's (its station-2 file repeats them)

# 1. A container engine.
standins=
if docker info >/dev/null 2>&1; then
  engine="the Docker engine at ${DOCKER_HOST:-its default socket}"
elif [ -x ../shared/containers/prepare.sh ]; then
  eval "$(../shared/containers/prepare.sh)"
  standins=1
  engine="podman's Docker API with local base-image stand-ins (../shared/containers; see its README.md)"
else
  echo "SKIP compose smoke: no Docker engine answers 'docker info', and ../shared/containers/prepare.sh is absent."
  exit 0
fi
if docker compose version >/dev/null 2>&1; then compose_bin=(docker compose); else compose_bin=(docker-compose); fi

mongo_image=$(sed -nE 's/^[[:space:]]*image:[[:space:]]*(mongo:[^[:space:]]+).*/\1/p' docker-compose.yml | head -n 1)
store=${SMOKE_STORE:-}
if [ -z "$store" ]; then
  if [ -n "$standins" ]; then
    store=sqlite why="no MongoDB image can be made on this machine"
  elif docker image inspect "$mongo_image" >/dev/null 2>&1 || docker pull -q "$mongo_image" >/dev/null 2>&1; then
    store=mongodb
  else
    store=sqlite why="$mongo_image cannot be pulled"
  fi
fi
files=(-f docker-compose.yml)
[ "$store" = sqlite ] && files+=(-f deploy/compose/sqlite.yml)

work=$(mktemp -d)
# Every container user (UID 1654) writes the exports: a folder anyone may write.
exports=$work/exports && mkdir -p "$exports" && chmod 0777 "$exports"
: > "$work/empty.env" # a developer's .env must not change the test
export HARMATTAN_EXPORTS_DIR=$exports
unset AIRQINO_BASE_URL COMPOSE_PROFILES HARMATTAN_UID

# Prints the command as a user types it (deploy/README.md gives the same ones), then runs it on the smoke's project.
compose() {
  printf '   $ docker compose %s%s\n' "$([ "$store" = sqlite ] && echo '-f docker-compose.yml -f deploy/compose/sqlite.yml ')" "$*"
  "${compose_bin[@]}" -p "$project" --env-file "$work/empty.env" "${files[@]}" "$@"
}
cli() { compose --profile offline run --rm -T cli "$@" < /dev/null; }
container() { "${compose_bin[@]}" -p "$project" --env-file "$work/empty.env" "${files[@]}" ps -q "$1" | head -n 1; }
rabbitmqctl() { docker exec "$(container rabbitmq)" rabbitmqctl -q "$@"; }

cleanup() {
  status=$?
  if [ $status -ne 0 ]; then
    echo "--- last logs of the stack (exit $status)"
    "${compose_bin[@]}" -p "$project" --env-file "$work/empty.env" "${files[@]}" --profile offline logs --tail 30 2>&1 | tail -n 150 || true
    "${compose_bin[@]}" -p "$project" --env-file "$work/empty.env" "${files[@]}" --profile offline --profile cli \
      down -v --remove-orphans 2>&1 | tail -n 3 || true
  fi
  rm -rf "$work"
  [ -n "$standins" ] && ../shared/containers/stop.sh
  echo "compose smoke: $([ $status -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

step "engine: $engine; compose: ${compose_bin[*]}; project $project; host ports RabbitMQ $RABBITMQ_PORT, management $RABBITMQ_MANAGEMENT_PORT"
if [ "$store" = sqlite ]; then
  echo "store: SQLite in a shared volume (deploy/compose/sqlite.yml), the MongoDB services left out: ${why:-SMOKE_STORE=sqlite}"
else
  echo "store: the MongoDB replica set of docker-compose.yml ($mongo_image)"
fi
samples=$(cd "${HARMATTAN_AIRQINO_SAMPLES:-../shared/airqino-samples}" 2>/dev/null && pwd -P || true)
if [ -n "$samples" ] && [ -f "$samples/v3_getStationHourlyAvg_283164601_SMART188_data.json" ]; then
  export AIRQINO_SAMPLES_DIR=$samples
  echo "data: the recorded AirQino responses in $samples"
else
  samples=
  unset AIRQINO_SAMPLES_DIR # a developer's own, which the simulator would otherwise mount
  echo "data: SYNTHETIC only: the recorded samples (../shared/airqino-samples) are absent, so no published means are compared"
fi

# A run stopped before its cleanup (kill -9, a machine shut down) leaves its containers running, their host ports
# published, and its volumes: up would reuse them and test what an earlier build left. Start from nothing.
leftover=$( (docker ps -aq --filter "label=com.docker.compose.project=$project"
             docker volume ls -q --filter "label=com.docker.compose.project=$project") | wc -l)
if [ "$leftover" -gt 0 ]; then
  step "remove what an interrupted run of project $project left ($leftover containers and volumes)"
  compose --profile offline --profile cli down -v --remove-orphans
fi

step "build every image from its Dockerfile"
compose --profile offline --profile cli build
images=(harmattan/extractor:local harmattan/transformer:local harmattan/loader:local harmattan/dashboard:local
        harmattan/airqino-simulator:local harmattan/cli:local)

step "each image runs as a non-root user with a read-only root file system and /tmp in memory"
for image in "${images[@]}"; do
  uid=$(docker run --rm --read-only --tmpfs /tmp --entrypoint id "$image" -u)
  [ "$uid" != 0 ] || fail "$image runs as root"
  echo "$image: UID $uid"
done
docker run --rm --read-only --tmpfs /tmp harmattan/cli:local --help >/dev/null || fail "the cli image does not start read-only"
echo "harmattan/cli:local --help: exit 0 read-only (the services prove it running, below)"

step "start the stack (offline profile) and wait until every service is healthy"
wait_healthy() { # every service container of the project healthy (mongo-init: exited 0), within $1 seconds
  local deadline=$(($(date +%s) + $1)) states
  while :; do
    # One-off containers (`run --rm cli`) have no healthcheck and are left out.
    states=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.oneoff"}} {{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}:{{.State.ExitCode}}{{end}}' \
      $("${compose_bin[@]}" -p "$project" --env-file "$work/empty.env" "${files[@]}" ps -q) | awk '$1 != "True" { print $2, $3 }')
    if ! grep -vqE ' (healthy|exited:0)$' <<< "$states"; then echo "$states"; return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "$states"; fail "not every service is healthy after $1 s"; fi
    sleep 3
  done
}
if [ "$store" = sqlite ]; then
  compose --profile offline up -d --no-deps rabbitmq simulator
  wait_healthy 120 >/dev/null
  compose --profile offline up -d --no-deps extractor transformer loader dashboard
else
  compose --profile offline up -d
fi
wait_healthy 180
for service in extractor transformer loader dashboard simulator; do
  id=$(container $service)
  [ "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$id")" = true ] || fail "$service does not run read-only"
  echo "$service: read-only root file system, UID $(docker exec "$id" id -u), healthy"
done
echo "the simulator serves:"
compose --profile offline logs --no-color simulator | grep -E '(recorded:|synthetic \(|dates)' | sed -E 's/^[^|]*\| */  /' || true

step "a fresh stack fetched the default stations at start (Schedule__RunAtStart), no backfill needed"
today=$(date -u +%F) yesterday=$(date -u -d yesterday +%F)
for station in "${stations[@]}"; do
  for attempt in $(seq 20); do
    cli export --station "$station" --from "$yesterday" --to "$today" --out "start-$station.csv" >/dev/null 2>&1 || true
    hours=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "hours_covered") c = i } NR > 1 { h += $c } END { print h + 0 }' \
      "$exports/start-$station.csv" 2>/dev/null || echo 0)
    [ "$hours" -gt 0 ] && break
    [ "$attempt" -lt 20 ] || fail "no hour of $yesterday..$today stored for station $station a minute after start"
    sleep 3
  done
  echo "station $station: $hours hours of $yesterday and $today stored"
done

# compare_with_seed FILE: every day of the export that the seed published matches its CO and PM2.5 means to 1e-9.
compare_with_seed() {
  awk -F, -v tolerance=1e-9 '
    function abs(x) { return x < 0 ? -x : x }
    NR == FNR { if (FNR > 1) { co[$4] = $2; pm[$4] = $3 } next }
    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    ($(col["date"]) in co) {
      day = $(col["date"]); n++
      if (abs($(col["co_mean"]) - co[day]) > tolerance || abs($(col["pm2_5_mean"]) - pm[day]) > tolerance) {
        bad++; print "  " day ": co " $(col["co_mean"]) " vs " co[day] ", pm2_5 " $(col["pm2_5_mean"]) " vs " pm[day]
      }
    }
    END { print "  " n + 0 " day(s) compared with the seed'"'"'s means to 1e-9, " bad + 0 " different"; exit (n > 0 && bad == 0) ? 0 : 1 }
  ' "$samples/seed_daily_avg_station1.csv" "$1"
}
# check_days FILE N: N days, each with hours covered.
check_days() {
  awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "hours_covered") c = i; next }
    { n++; if ($c > 0) covered++ } END { print "  " n " day(s), " covered + 0 " with data"; exit (n == want && covered == want) ? 0 : 1 }' "$1"
}
export_month() { # export_month STATION FROM TO NAME
  cli export --station "$1" --from "$2" --to "$3" --out "$4" >/dev/null
}
check_month() { # check_month STATION FILE DAYS
  check_days "$exports/$2" "$3" || fail "$2: not $3 days with data"
  if [ "$1" = "$seed_station" ] && [ -n "$samples" ]; then compare_with_seed "$exports/$2" || fail "$2 differs from the seed's means"; fi
}

step "backfill a recorded month through the cli service and compare the daily means with the seed's"
cli backfill --station 283164601 --station 283181971 --from 2023-11-01 --to 2023-11-30
for station in "${stations[@]}"; do
  export_month "$station" 2023-11-01 2023-11-30 "$station-2023-11.csv"
  echo "$station-2023-11.csv:"
  check_month "$station" "$station-2023-11.csv" 30
done

step "the dashboard's API answers the month with the export's daily means"
if command -v curl >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
  for station in "${stations[@]}"; do
    url="http://127.0.0.1:$DASHBOARD_PORT/api/stations/$station/daily?from=2023-11-01&to=2023-11-30"
    echo "   \$ curl '$url'"
    curl -fsS "$url" | jq -r '.days[] | [.date, .quantities.co.mean, .quantities.pm2_5.mean] | @csv' | tr -d '"' \
      > "$work/dashboard-$station.csv" || fail "the dashboard did not answer $url"
    awk -F, -v tolerance=1e-9 '
      function abs(x) { return x < 0 ? -x : x }
      NR == FNR { co[$1] = $2; pm[$1] = $3; next }
      FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      { day = $(col["date"]); n++
        if (!(day in co) || abs(co[day] - $(col["co_mean"])) > tolerance || abs(pm[day] - $(col["pm2_5_mean"])) > tolerance) {
          bad++; print "  " day ": dashboard co " co[day] ", pm2_5 " pm[day] "; export " $(col["co_mean"]) ", " $(col["pm2_5_mean"]) } }
      END { print "  " n + 0 " day(s) of the export found in the dashboard'"'"'s answer, " bad + 0 " different"; exit (n == 30 && bad == 0) ? 0 : 1 }
    ' "$work/dashboard-$station.csv" "$exports/$station-2023-11.csv" || fail "station $station: the dashboard's means differ from the export's"
  done
else
  echo "SKIP the dashboard's API check: it needs curl and jq (Debian: apt-get install curl jq)"
fi

step "docker kill the loader during a backfill, bring it back: the same export and nothing in an _error queue"
# Killed as the backfill starts, not at a moment picked by polling: at ~200 days/s a year is stored in seconds, so a
# kill timed after the first messages would often come after the last. The backfill cannot finish while the loader is
# down; it must find every day once the loader is back.
echo "   \$ docker kill \"\$(docker compose ps -q loader)\""
docker kill "$(container loader)" >/dev/null
cli backfill --station 283164601 --station 283181971 --from 2023-01-01 --to 2023-12-09 --chunk-days 2 --refetch \
  > "$work/backfill-kill.log" 2>&1 &
backfill=$!
waiting=0
for _ in $(seq 120); do
  waiting=$(rabbitmqctl list_queues name messages 2>/dev/null | awk '$1 == "store-averages" || $1 == "archive-raw-readings" { n += $2 } END { print n + 0 }')
  [ "$waiting" -gt 0 ] && break
  sleep 0.5
done
[ "$waiting" -gt 0 ] || fail "no message waited for the killed loader: $(tail -n 5 "$work/backfill-kill.log")"
sleep 5
kill -0 $backfill 2>/dev/null || fail "the backfill ended while the loader was down: $(tail -n 5 "$work/backfill-kill.log")"
rabbitmqctl list_queues name messages | awk '$1 ~ /^(store-averages|archive-raw-readings)$/ { print "  " $1 ": " $2 " waiting while the loader is down" }'
compose --profile offline start loader
wait_healthy 120 >/dev/null
wait $backfill || { cat "$work/backfill-kill.log"; fail "the backfill with the loader killed failed"; }
tail -n 6 "$work/backfill-kill.log"
for station in "${stations[@]}"; do
  export_month "$station" 2023-11-01 2023-11-30 "$station-2023-11-after-kill.csv"
  cmp -s "$exports/$station-2023-11.csv" "$exports/$station-2023-11-after-kill.csv" \
    || fail "station $station: the export after the kill differs from the first one"
  echo "$station-2023-11-after-kill.csv: identical to the export before the kill"
done
errors=$(rabbitmqctl list_queues name messages | awk '$1 ~ /_error$/ { n += $2; print "  " $1 ": " $2 > "/dev/stderr" } END { print n + 0 }')
[ "$errors" = 0 ] || fail "$errors message(s) in _error queues"
echo "_error queues: 0 messages"

step "--scale transformer=3 for a second range: the same results"
for station in "${stations[@]}"; do export_month "$station" 2023-10-01 2023-10-31 "$station-2023-10-one-transformer.csv"; done
if [ "$store" = sqlite ]; then
  compose --profile offline up -d --no-deps --scale transformer=3 transformer
else
  compose --profile offline up -d --scale transformer=3
fi
states=$(wait_healthy 120)
echo "  $(grep -c transformer <<< "$states") transformers healthy"
cli backfill --station 283164601 --station 283181971 --from 2023-10-01 --to 2023-10-31 --chunk-days 1 --refetch
for station in "${stations[@]}"; do
  export_month "$station" 2023-10-01 2023-10-31 "$station-2023-10.csv"
  echo "$station-2023-10.csv:"
  check_month "$station" "$station-2023-10.csv" 31
  cmp -s "$exports/$station-2023-10-one-transformer.csv" "$exports/$station-2023-10.csv" \
    || fail "station $station: three transformers computed other results than one"
  echo "  identical to the same range computed by one transformer"
done

step "status through the cli service exits 0"
cli status || fail "harmattan status exited $?"

if [ "$store" = sqlite ]; then
  step "backup of the SQLite store through the cli service, the services running: the backup exports the same months"
  cli backup --out harmattan-backup.db || fail "harmattan backup exited $?"
  for station in "${stations[@]}"; do
    cli export --station "$station" --from 2023-10-01 --to 2023-10-31 --db harmattan-backup.db --out "$station-2023-10-backup.csv" >/dev/null
    cmp -s "$exports/$station-2023-10.csv" "$exports/$station-2023-10-backup.csv" \
      || fail "station $station: the export from the backup differs from the store's"
    echo "$station-2023-10-backup.csv: identical to the store's"
  done

  step "restore of that backup: refused while the loader has the store open, done with the services stopped"
  if cli restore --backup harmattan-backup.db > "$work/restore-refused.log" 2>&1; then
    fail "restore went ahead while the loader had the store open"
  fi
  grep -q "is in use" "$work/restore-refused.log" || fail "restore did not say the store is in use: $(cat "$work/restore-refused.log")"
  echo "refused while the loader runs: $(grep -o 'is in use[^.]*' "$work/restore-refused.log")"
  compose --profile offline stop extractor loader dashboard
  cli restore --backup harmattan-backup.db || fail "harmattan restore exited $?"
  compose --profile offline start extractor loader dashboard
  wait_healthy 120 >/dev/null
  for station in "${stations[@]}"; do
    export_month "$station" 2023-10-01 2023-10-31 "$station-2023-10-restored.csv"
    cmp -s "$exports/$station-2023-10.csv" "$exports/$station-2023-10-restored.csv" \
      || fail "station $station: the export from the restored store differs from the store's before"
    echo "$station-2023-10-restored.csv: identical to the store's before the restore"
  done
fi

step "down -v leaves nothing behind"
compose --profile offline --profile cli down -v --remove-orphans
left=$(docker ps -aq --filter "label=com.docker.compose.project=$project"; docker volume ls -q --filter "label=com.docker.compose.project=$project"
       docker network ls -q --filter "label=com.docker.compose.project=$project")
[ -z "$left" ] || fail "left behind: $left"
echo "no container, volume or network of project $project is left"
