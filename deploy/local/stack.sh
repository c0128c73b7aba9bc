#!/usr/bin/env bash
# The cashtag stack on one machine, without Docker: Kafka (KRaft), Cassandra, S3Proxy and
# Prometheus on loopback. See deploy/local/README.md.
#
#   stack.sh up     [server...]   fetch (first time), start and wait until ready; idempotent
#   stack.sh down   [server...]   stop what `up` started (SIGTERM, then SIGKILL after a timeout)
#   stack.sh status [server...]   state of each server, then the KEY=value lines for cashtag
#   stack.sh env                  only the KEY=value lines
#   stack.sh running [server...]  exit 0 when every named server runs and listens (for scripts)
#   stack.sh verify [server...]   real round trip on each server (topic+produce/consume, CQL,
#                                 bucket+put/get, Prometheus ready+promtool)
#   stack.sh fetch  [server...]   only download/install what the servers need
#   stack.sh nodetool ARGS...     Cassandra's nodetool against the local node (e.g. status)
# Servers: kafka cassandra s3proxy prometheus (default: all).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

STACK_DIR=${STACK_DIR:-$REPO/.stack}
HOST=127.0.0.1
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
CASSANDRA_PORT=${CASSANDRA_PORT:-9042}
CASSANDRA_STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
CASSANDRA_JMX_PORT=${CASSANDRA_JMX_PORT:-7199}
S3_PORT=${S3_PORT:-9000}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
STACK_S3_ACCESS_KEY=${STACK_S3_ACCESS_KEY:-cashtag}
STACK_S3_SECRET_KEY=${STACK_S3_SECRET_KEY:-cashtag-secret}
START_TIMEOUT=${STACK_START_TIMEOUT:-180}   # seconds, per server
STOP_TIMEOUT=${STACK_STOP_TIMEOUT:-30}      # seconds before SIGKILL
PROMETHEUS_CONFIG=${PROMETHEUS_CONFIG:-$REPO/deploy/prometheus/prometheus.yml}

ALL_SERVERS=(kafka cassandra s3proxy prometheus)
# Start order: the slowest first, so the others start while it boots.
START_ORDER=(cassandra kafka s3proxy prometheus)

LOG_DIR=$STACK_DIR/logs
RUN_DIR=$STACK_DIR/run

# ---------------------------------------------------------------------------------------------
# helpers

say() { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

# The JDK: $JAVA_HOME when set, else an OpenJDK 17 under /usr/lib/jvm (another JDK may be the
# default or present: Cassandra 5.0 supports Java 11 and 17 only).
find_java() {
  [[ -n ${JAVA_BIN:-} ]] && return 0
  local cand home
  if [[ -n ${JAVA_HOME:-} ]]; then
    [[ -x $JAVA_HOME/bin/java ]] || die "JAVA_HOME=$JAVA_HOME has no bin/java"
    home=$JAVA_HOME
  else
    for cand in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/openjdk-17* /usr/lib/jvm/temurin-17* \
                /usr/lib/jvm/java-17-* /usr/lib/jvm/jdk-17*; do
      if [[ -x $cand/bin/java ]]; then home=$cand; break; fi
    done
    [[ -n ${home:-} ]] || die "no JDK 17 found under /usr/lib/jvm; install one (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  fi
  local ver
  ver=$("$home/bin/java" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  [[ $ver == 17 || $ver == 17.* ]] || die "$home/bin/java is Java $ver; Cassandra 5.0 needs Java 17 (set JAVA_HOME to a JDK 17)"
  JAVA_BIN=$home/bin/java
}

need_maven() {
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is not installed; install it (apt-get install maven)"
}

need_curl() {
  command -v curl >/dev/null 2>&1 && return 0
  apt_install curl
}

# apt-get install, running `apt-get update` first only when the package is unknown or the
# install fails with the current lists. The packages' services are not started (policy-rc.d).
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
  say "installing $* (apt-get)"
  local policy=/usr/sbin/policy-rc.d created=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod +x "$policy" && created=1
  fi
  local rc=0
  if ! apt-cache show "$@" >/dev/null 2>&1 ||
     ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >"$LOG_DIR/apt.log" 2>&1; then
    as_root apt-get update >>"$LOG_DIR/apt.log" 2>&1 || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$LOG_DIR/apt.log" 2>&1 || rc=$?
  fi
  [[ $created -eq 1 ]] && as_root rm -f "$policy"
  if [[ $rc -ne 0 ]]; then tail -n 20 "$LOG_DIR/apt.log" >&2; die "apt-get install $* failed (log: $LOG_DIR/apt.log)"; fi
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

# A string that is on the command line of the process we started for $1 and of no other:
# a pid file is trusted only when /proc/<pid>/cmdline still contains it.
marker() {
  case $1 in
    prometheus) echo "--storage.tsdb.path=$STACK_DIR/prometheus/data" ;;
    *) echo "-Dcashtag.stack=$STACK_DIR/$1" ;;
  esac
}

# Prints the pid when server $1 (started by us) is alive.
server_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$(marker "$1")" || return 1
  proc_alive "$pid" || return 1
  echo "$pid"
}

server_port() {
  case $1 in
    kafka) echo "$KAFKA_PORT" ;;
    cassandra) echo "$CASSANDRA_PORT" ;;
    s3proxy) echo "$S3_PORT" ;;
    prometheus) echo "$PROMETHEUS_PORT" ;;
  esac
}

server_endpoint() {
  case $1 in
    kafka) echo "$HOST:$KAFKA_PORT" ;;
    cassandra) echo "$HOST:$CASSANDRA_PORT" ;;
    s3proxy) echo "http://$HOST:$S3_PORT" ;;
    prometheus) echo "http://$HOST:$PROMETHEUS_PORT" ;;
  esac
}

# Other ports a server binds, to detect a conflict before starting.
server_extra_ports() {
  case $1 in
    kafka) echo "$KAFKA_CONTROLLER_PORT" ;;
    cassandra) echo "$CASSANDRA_STORAGE_PORT $CASSANDRA_JMX_PORT" ;;
  esac
}

# Renders template $1 to $2, replacing @NAME@ with the value of the shell variable NAME
# (plus @DATA_DIR@ = $3).
render() {
  local src=$1 dst=$2 data_dir=$3 v sed_args=()
  for v in HOST KAFKA_PORT KAFKA_CONTROLLER_PORT CASSANDRA_PORT CASSANDRA_STORAGE_PORT S3_PORT \
           PROMETHEUS_PORT STACK_DIR; do
    sed_args+=(-e "s|@$v@|${!v}|g")
  done
  sed_args+=(-e "s|@S3_ACCESS_KEY@|$STACK_S3_ACCESS_KEY|g" -e "s|@S3_SECRET_KEY@|$STACK_S3_SECRET_KEY|g")
  sed_args+=(-e "s|@DATA_DIR@|$data_dir|g")
  # Rendered files may hold the S3 secret: 0600 from the first byte (umask in a subshell).
  (umask 077 && sed "${sed_args[@]}" "$src" >"$dst.tmp")
  if grep -q '@[A-Z_]*@' "$dst.tmp"; then die "unrendered placeholder in $dst: $(grep -o '@[A-Z_]*@' "$dst.tmp" | head -1)"; fi
  mv "$dst.tmp" "$dst"
}

# Copies the runtime classpath of deploy/local/$1/pom.xml to $STACK_DIR/$1/lib, once: a stamp
# holding the pom's checksum marks a complete copy. Downloads are cached in ~/.m2.
fetch_libs() {
  local s=$1 pom=$HERE/$1/pom.xml lib=$STACK_DIR/$1/lib sum
  sum=$(cksum <"$pom")
  if [[ -f $lib/.complete && $(<"$lib/.complete") == "$sum" ]]; then return 0; fi
  need_maven
  say "$s: resolving jars with Maven (first time; cached in ~/.m2)"
  rm -rf "$lib"
  mkdir -p "$lib"
  local t0=$SECONDS
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$lib" \
       -DincludeScope=runtime >"$LOG_DIR/$s-maven.log" 2>&1; then
    tail -n 30 "$LOG_DIR/$s-maven.log" >&2
    die "$s: Maven could not fetch the jars (log: $LOG_DIR/$s-maven.log)"
  fi
  echo "$sum" >"$lib/.complete"
  say "$s: $(find "$lib" -name '*.jar' | wc -l) jars in $((SECONDS - t0))s"
}

fetch_prometheus() {
  if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    apt_install prometheus
    # The package may have started its own server on 9090 (where policy-rc.d was absent):
    # stop and disable it; the stack runs its own.
    if [[ -x /etc/init.d/prometheus ]]; then
      as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
      as_root update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
      as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
  fi
  command -v prometheus >/dev/null 2>&1 || die "prometheus is not installed (apt-get install prometheus)"
}

fetch_server() {
  case $1 in
    prometheus) fetch_prometheus ;;
    *) find_java; fetch_libs "$1" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# how each server is started

java_common() {
  JAVA_COMMON=("-Dcashtag.stack=$STACK_DIR/$1" -Djava.awt.headless=true "-Djava.io.tmpdir=$STACK_DIR/$1/tmp")
}

cmd_kafka() {
  local d=$STACK_DIR/kafka
  mkdir -p "$d/data" "$d/tmp"
  render "$HERE/kafka/server.properties" "$d/server.properties" "$d/data"
  cp "$HERE/kafka/log4j2.xml" "$d/log4j2.xml"
  cp "$HERE/kafka/tools-log4j2.xml" "$d/tools-log4j2.xml"
  if [[ ! -f $d/data/meta.properties ]]; then
    [[ -f $d/cluster.id ]] || kafka_tool kafka.tools.StorageTool random-uuid >"$d/cluster.id"
    say "kafka: formatting $d/data (cluster id $(<"$d/cluster.id"))"
    kafka_tool kafka.tools.StorageTool format -t "$(<"$d/cluster.id")" -c "$d/server.properties" \
      --ignore-formatted >>"$(log_file kafka)" 2>&1 ||
      { tail -n 20 "$(log_file kafka)" >&2; die "kafka: storage format failed (log: $(log_file kafka))"; }
  fi
  java_common kafka
  CMD=("$JAVA_BIN" "${JAVA_COMMON[@]}" -Xms256m -Xmx512m
       -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
       -XX:+ExplicitGCInvokesConcurrent
       "-Dlog4j2.configurationFile=$d/log4j2.xml" "-Dkafka.logs.dir=$LOG_DIR"
       -cp "$d/lib/*" kafka.Kafka "$d/server.properties")
}

# Runs a Kafka CLI class on the broker's classpath (quiet logging).
kafka_tool() {
  local d=$STACK_DIR/kafka
  find_java
  timeout "${KAFKA_TOOL_TIMEOUT:-90}" "$JAVA_BIN" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$d/tools-log4j2.xml" -cp "$d/lib/*" "$@"
}

# Java 17 module flags from Cassandra's conf/jvm17-server.options (server and tools).
cassandra_j17_flags() {
  J17=(
    -Djdk.attach.allowAttachSelf=true
    --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports=java.management/com.sun.jmx.remote.security=ALL-UNNAMED
    --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports=java.sql/java.sql=ALL-UNNAMED
    --add-exports=java.base/java.lang.ref=ALL-UNNAMED
    --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
    --add-opens=java.base/java.lang.module=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.math=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED
    --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED
  )
}

cmd_cassandra() {
  local d=$STACK_DIR/cassandra jamm
  mkdir -p "$d/data" "$d/tmp" "$d/triggers"
  render "$HERE/cassandra/cassandra.yaml" "$d/cassandra.yaml" "$d/data"
  cp "$HERE/cassandra/logback.xml" "$d/logback.xml"
  jamm=$(find "$d/lib" -maxdepth 1 -name 'jamm-*.jar' | head -1)
  cassandra_j17_flags
  java_common cassandra
  CMD=("$JAVA_BIN" "${JAVA_COMMON[@]}" -Xms1g -Xmx1g -Xss256k
       -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:G1HeapRegionSize=16m
       -XX:+HeapDumpOnOutOfMemoryError "-XX:HeapDumpPath=$d/tmp" -XX:+ExitOnOutOfMemoryError
       -XX:+PerfDisableSharedMem
       "${J17[@]}"
       ${jamm:+"-javaagent:$jamm"}
       -Djava.net.preferIPv4Stack=true -Dio.netty.tryReflectionSetAccessible=true
       -Dchronicle.analytics.disable=true "-Djna.tmpdir=$d/tmp"
       "-Dcassandra.config=file://$d/cassandra.yaml"
       "-Dcassandra.storagedir=$d/data" "-Dcassandra.logdir=$LOG_DIR" "-Dcassandra.triggers_dir=$d/triggers"
       "-Dlogback.configurationFile=$d/logback.xml"
       -Dcassandra-foreground=yes
       -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.superuser_setup_delay_ms=0
       -Dcassandra.ring_delay_ms=0
       "-Dcassandra.jmx.local.port=$CASSANDRA_JMX_PORT" "-Djava.rmi.server.hostname=$HOST"
       -cp "$d/lib/*" org.apache.cassandra.service.CassandraDaemon)
}

cmd_s3proxy() {
  local d=$STACK_DIR/s3proxy
  mkdir -p "$d/data" "$d/tmp"
  render "$HERE/s3proxy/s3proxy.conf" "$d/s3proxy.conf" "$d/data"
  chmod 600 "$d/s3proxy.conf"
  cp "$HERE/s3proxy/logback.xml" "$d/logback.xml"
  java_common s3proxy
  CMD=("$JAVA_BIN" "${JAVA_COMMON[@]}" -Xms64m -Xmx256m -XX:+UseSerialGC
       "-Dlogback.configurationFile=$d/logback.xml"
       -cp "$d/lib/*" org.gaul.s3proxy.Main --properties "$d/s3proxy.conf")
}

cmd_prometheus() {
  local d=$STACK_DIR/prometheus
  mkdir -p "$d/data"
  [[ -f $PROMETHEUS_CONFIG ]] || die "prometheus: config $PROMETHEUS_CONFIG not found"
  CMD=("$(command -v prometheus)" "--config.file=$PROMETHEUS_CONFIG" "$(marker prometheus)"
       "--web.listen-address=$HOST:$PROMETHEUS_PORT" --web.enable-lifecycle
       --storage.tsdb.retention.time=7d --log.level=info)
}

# ---------------------------------------------------------------------------------------------
# readiness: each returns 0 when ready

ready_kafka() {
  grep -q 'Kafka Server started' "$(log_file kafka)" 2>/dev/null || return 1
  port_open "$KAFKA_PORT" || return 1
  # a metadata request through the admin client
  KAFKA_TOOL_TIMEOUT=30 kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$HOST:$KAFKA_PORT" --list >/dev/null 2>>"$LOG_DIR/kafka-check.log"
}

ready_cassandra() {
  grep -q 'Starting listening for CQL clients' "$(log_file cassandra)" 2>/dev/null || return 1
  cql_release_version >/dev/null
}

ready_s3proxy() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$HOST:$S3_PORT/healthz") == 200 ]] || return 1
  s3_curl -f -o /dev/null "http://$HOST:$S3_PORT/"   # signed ListBuckets
}

ready_prometheus() {
  curl -sf -o /dev/null --max-time 5 "http://$HOST:$PROMETHEUS_PORT/-/ready"
}

# A SigV4-signed request (curl >= 7.75). curl 7.x does not send x-amz-content-sha256, which S3
# requires, so it is set here: the SHA-256 of $S3_BODY (empty when unset), sent with --data-binary.
s3_curl() {
  local body=${S3_BODY-} sha
  sha=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
  local args=(-s --max-time 15 --aws-sigv4 "aws:amz:us-east-1:s3"
              --user "$STACK_S3_ACCESS_KEY:$STACK_S3_SECRET_KEY" -H "x-amz-content-sha256: $sha")
  [[ -n ${S3_BODY+x} ]] && args+=(--data-binary "$body")
  curl "${args[@]}" "$@"
}

# SELECT release_version FROM system.local over the CQL native protocol (v4) in plain bash:
# STARTUP, then QUERY; prints the version. No driver needed.
cql_release_version() {
  local hex len body
  exec 3<>"/dev/tcp/$HOST/$CASSANDRA_PORT" || return 1
  # STARTUP {CQL_VERSION: 3.0.0}, stream 1
  printf '\x04\x00\x00\x01\x01\x00\x00\x00\x16\x00\x01\x00\x0bCQL_VERSION\x00\x053.0.0' >&3
  hex=$(timeout 5 head -c 9 <&3 | od -An -tx1 -v | tr -d ' \n') || { exec 3<&-; return 1; }
  [[ ${hex:8:2} == 02 ]] || { exec 3<&-; return 1; }          # READY
  # QUERY, consistency ONE, no flags, stream 2
  local q='SELECT release_version FROM system.local'
  printf '\x04\x00\x00\x02\x07\x00\x00\x00\x2f\x00\x00\x00\x28%s\x00\x01\x00' "$q" >&3
  hex=$(timeout 5 head -c 9 <&3 | od -An -tx1 -v | tr -d ' \n') || { exec 3<&-; return 1; }
  [[ ${hex:8:2} == 08 ]] || { exec 3<&-; return 1; }          # RESULT
  len=$((16#${hex:10:8}))
  body=$(timeout 5 head -c "$len" <&3 | tr -c '[:print:]' ' ') || { exec 3<&-; return 1; }
  exec 3<&-
  grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?[^ ]*$' <<<"$body" | tail -1 | grep .
}

# ---------------------------------------------------------------------------------------------
# commands

# Prepares and launches server $1 in the background (no wait). Sets STARTED[$1].
declare -A STARTED=() LAUNCH_TIME=()
launch() {
  local s=$1 pid port log
  if pid=$(server_pid "$s"); then
    if port_open "$(server_port "$s")"; then
      say "$s: already running (pid $pid)"
    else
      # started by another `up` that has not finished: wait for it too
      say "$s: already starting (pid $pid)"
      STARTED[$s]=1
      LAUNCH_TIME[$s]=$SECONDS
    fi
    return 0
  fi
  rm -f "$(pid_file "$s")"
  for port in $(server_port "$s") $(server_extra_ports "$s"); do
    if port_open "$port"; then
      warn "error: $s: port $HOST:$port is already in use by another process ($(port_owner "$port")); stop it or choose another port ($(port_var "$port")=...)"
      return 1
    fi
  done
  fetch_server "$s"
  log=$(log_file "$s")
  [[ -f $log ]] && mv -f "$log" "$log.1"
  CMD=()
  "cmd_$s"
  {
    echo "# $(date -u +%FT%TZ) $s started by deploy/local/stack.sh"
    printf '# %q' "${CMD[0]}"; printf ' %q' "${CMD[@]:1}"; echo
  } >>"$log"
  # fd 9 is the up/down lock: the server must not inherit it
  (cd "$STACK_DIR/$s" && exec setsid "${CMD[@]}" </dev/null >>"$log" 2>&1 9>&-) &
  echo $! >"$(pid_file "$s")"
  STARTED[$s]=1
  LAUNCH_TIME[$s]=$SECONDS
  say "$s: started (pid $!), log $log"
}

port_var() {
  local v
  for v in KAFKA_PORT KAFKA_CONTROLLER_PORT CASSANDRA_PORT CASSANDRA_STORAGE_PORT CASSANDRA_JMX_PORT \
           S3_PORT PROMETHEUS_PORT; do
    [[ ${!v} == "$1" ]] && { echo "$v"; return; }
  done
}

port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | grep -oE 'users:\(\(.*\)\)' | head -1 && return 0
  fi
  echo "unknown pid"
}

# Polls every launched server until each is ready, has exited or ran out of time; each has
# its own deadline counted from its launch. Returns 1 when any failed.
wait_ready() {
  local pending=("$@") next s rc=0 took
  while ((${#pending[@]} > 0)); do
    next=()
    for s in "${pending[@]}"; do
      took=$((SECONDS - ${LAUNCH_TIME[$s]}))
      if ! server_pid "$s" >/dev/null && launching "$s" "$took"; then
        # The launcher subshell has not exec'd the server yet (its command line lacks the marker).
        next+=("$s")
      elif ! server_pid "$s" >/dev/null && ! { sleep 0.3; server_pid "$s" >/dev/null || launching "$s" "$took"; }; then
        # Looked at twice: a read of /proc while the launcher execs the server once failed a
        # start whose server was running fine (Prometheus, in CI).
        fail_start "$s" "exited during start-up"; rc=1
      elif ! server_pid "$s" >/dev/null; then
        next+=("$s")
      elif "ready_$s"; then
        say "$s: ready at $(server_endpoint "$s") after ${took}s"
      elif ((took >= START_TIMEOUT)); then
        fail_start "$s" "not ready after ${START_TIMEOUT}s (STACK_START_TIMEOUT)"; rc=1
        stop_servers "$s" >/dev/null
      else
        next+=("$s")
      fi
    done
    pending=(${next[@]+"${next[@]}"})
    ((${#pending[@]} == 0)) || sleep 1
  done
  return $rc
}

# True while server $1's recorded pid is alive but not (yet) our server: still the launcher, or
# /proc read mid-exec. For as long as the start may take; a pid that never becomes the server
# ends as "not ready".
launching() {
  local pid
  (($2 < START_TIMEOUT)) || return 1
  pid=$(<"$(pid_file "$1")") 2>/dev/null || return 1
  [[ $pid =~ ^[0-9]+$ ]] && proc_alive "$pid"
}

fail_start() {
  local s=$1 why=$2 log
  log=$(log_file "$s")
  {
    echo "[stack] error: $s $why. Read its log: $log"
    echo "----- last 40 lines of $log -----"
    tail -n 40 "$log" 2>/dev/null | cut -c1-400 || true
    echo "-----"
  } >&2
}

cmd_up() {
  local servers=("$@") s rc=0 t0=$SECONDS
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  take_lock
  need_curl
  for s in "${START_ORDER[@]}"; do
    in_list "$s" "${servers[@]}" || continue
    launch "$s" || rc=1
  done
  local launched=()
  for s in prometheus s3proxy kafka cassandra; do
    [[ -n ${STARTED[$s]:-} ]] && launched+=("$s")
  done
  if ((${#launched[@]} > 0)); then wait_ready "${launched[@]}" || rc=1; fi
  write_env
  if ((rc != 0)); then
    die "stack is not fully up (the servers that did start keep running; 'make down' stops them)"
  fi
  say "up in $((SECONDS - t0))s; settings in $STACK_DIR/stack.env (make status)"
}

# One `up` or `down` at a time per STACK_DIR: a concurrent one waits, then finds the servers
# running (or stopped) and has nothing to do.
take_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/lock"
  if ! flock -n 9; then
    say "another up/down is running on $STACK_DIR; waiting for it"
    flock -w $((START_TIMEOUT + 120)) 9 || die "timed out waiting for the lock $RUN_DIR/lock"
  fi
}

in_list() { local x=$1; shift; local y; for y; do [[ $x == "$y" ]] && return 0; done; return 1; }

# SIGTERM to each, wait up to STOP_TIMEOUT, then SIGKILL. Only pids recorded by `up` whose
# command line still carries our marker are touched.
stop_servers() {
  local s pid pids=() names=() i deadline
  for s in "$@"; do
    if pid=$(server_pid "$s"); then
      say "$s: stopping (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$s")
    else
      rm -f "$(pid_file "$s")"
      say "$s: not running"
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for i in "${!pids[@]}"; do
    # wait for the process itself to be gone, not only its command line (the kernel drops the
    # memory, and with it /proc/<pid>/cmdline, before it closes the sockets)
    while proc_alive "${pids[$i]}"; do
      if ((SECONDS >= deadline)); then
        warn "${names[$i]}: still running after ${STOP_TIMEOUT}s, sending SIGKILL"
        kill -KILL "${pids[$i]}" 2>/dev/null || true
        sleep 0.5
        break
      fi
      sleep 0.3
    done
    rm -f "$(pid_file "${names[$i]}")"
    say "${names[$i]}: stopped"
  done
}

# True while process $1 or any of its threads is alive. A JVM's main thread can exit (and show
# as a zombie) while its other threads are still shutting down and holding the ports.
proc_alive() {
  local st tasks
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st ]] || return 1
  [[ $st != Z ]] && return 0
  tasks=$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  ((tasks > 1))
}

cmd_down() {
  [[ -d $RUN_DIR ]] || { say "nothing started in $STACK_DIR"; return 0; }
  take_lock
  stop_servers "$@"
}

env_lines() {
  cat <<EOF
KAFKA_BROKERS=$HOST:$KAFKA_PORT
CASSANDRA_CONTACT_POINTS=$HOST:$CASSANDRA_PORT
CASSANDRA_LOCAL_DC=datacenter1
S3_ENDPOINT=http://$HOST:$S3_PORT
S3_ACCESS_KEY=$STACK_S3_ACCESS_KEY
S3_SECRET_KEY=$STACK_S3_SECRET_KEY
PROMETHEUS_URL=http://$HOST:$PROMETHEUS_PORT
EOF
}

# stack.env holds the S3 secret: created 0600 (umask in a subshell), so no other user reads it.
write_env() {
  mkdir -p "$STACK_DIR"
  (umask 077 && env_lines >"$STACK_DIR/stack.env.$$") && mv -f "$STACK_DIR/stack.env.$$" "$STACK_DIR/stack.env"
}

cmd_status() {
  local s pid state
  for s in "$@"; do
    if pid=$(server_pid "$s"); then
      if port_open "$(server_port "$s")"; then state=running; else state=starting; fi
    else
      state=stopped; pid=-
    fi
    printf '%-11s %-9s pid %-8s %-24s log %s\n' "$s" "$state" "$pid" "$(server_endpoint "$s")" "$(log_file "$s")"
  done
  echo
  env_lines
  [[ -d $STACK_DIR ]] && write_env || true
}

cmd_running() {
  local s
  for s in "$@"; do
    server_pid "$s" >/dev/null && port_open "$(server_port "$s")" || return 1
  done
}

cmd_fetch() {
  mkdir -p "$LOG_DIR"
  local s
  for s in "$@"; do fetch_server "$s"; done
  say "fetched: $*"
}

# Cassandra's nodetool against the running node (local JMX), e.g. `stack.sh nodetool status`.
cmd_nodetool() {
  find_java
  local d=$STACK_DIR/cassandra
  [[ -f $d/lib/.complete ]] || die "cassandra is not fetched yet (make up)"
  cassandra_j17_flags
  "$JAVA_BIN" -Xmx256m -XX:+UseSerialGC "${J17[@]}" "-Dlogback.configurationFile=$d/logback.xml" \
    "-Dcassandra.logdir=$LOG_DIR" "-Dcassandra.storagedir=$d/data" -Dcassandra.cli.log.level=WARN \
    -cp "$d/lib/*" org.apache.cassandra.tools.NodeTool -h "$HOST" -p "$CASSANDRA_JMX_PORT" "$@"
}

# ---------------------------------------------------------------------------------------------
# verify: a real round trip on each running server

verify_kafka() {
  find_java
  local topic msg out b="$HOST:$KAFKA_PORT"
  topic="stack-verify-$(date +%s)"
  msg="hello-$(date +%s%N)"
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" \
    --create --topic "$topic" --partitions 1 --replication-factor 1 >/dev/null ||
    { warn "kafka: create topic $topic failed"; return 1; }
  echo "$msg" | kafka_tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$b" \
    --topic "$topic" --producer-property acks=all >/dev/null 2>&1 ||
    { warn "kafka: produce to $topic failed"; return 1; }
  out=$(kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$b" \
    --topic "$topic" --from-beginning --max-messages 1 --timeout-ms 20000 2>/dev/null || true)
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" --delete --topic "$topic" \
    >/dev/null 2>&1 || true
  [[ $out == "$msg" ]] || { warn "kafka: message not consumed back from $topic (got '$out')"; return 1; }
  say "kafka: created topic $topic, produced and consumed '$msg', deleted the topic"
}

verify_cassandra() {
  local v
  v=$(cql_release_version) || { warn "cassandra: CQL query failed"; return 1; }
  say "cassandra: SELECT release_version FROM system.local -> $v"
}

verify_s3proxy() {
  local b=stack-verify url="http://$HOST:$S3_PORT" body got code
  body="hello-$(date +%s%N)"
  code=$(s3_curl -o /dev/null -w '%{http_code}' -X PUT "$url/$b")
  [[ $code == 200 || $code == 409 ]] || { warn "s3proxy: create bucket: HTTP $code"; return 1; }
  S3_BODY=$body s3_curl -f -o /dev/null -X PUT -H 'Content-Type: text/plain' "$url/$b/hello.txt" ||
    { warn "s3proxy: put object failed"; return 1; }
  got=$(s3_curl -f "$url/$b/hello.txt") || { warn "s3proxy: get object failed"; return 1; }
  [[ $got == "$body" ]] || { warn "s3proxy: object content differs"; return 1; }
  s3_curl -f "$url/$b?list-type=2" | grep -q '<Key>hello.txt</Key>' || { warn "s3proxy: ListObjectsV2 misses the key"; return 1; }
  say "s3proxy: bucket $b, signed PUT/GET/ListObjectsV2 of hello.txt ok"
}

verify_prometheus() {
  ready_prometheus || { warn "prometheus: /-/ready failed"; return 1; }
  promtool check config "$PROMETHEUS_CONFIG" >/dev/null || { warn "prometheus: promtool check config failed"; return 1; }
  curl -sf "http://$HOST:$PROMETHEUS_PORT/api/v1/query?query=up" | grep -q '"status":"success"' ||
    { warn "prometheus: query failed"; return 1; }
  # the rule files (rule_files is relative to the config file) are loaded
  curl -sf "http://$HOST:$PROMETHEUS_PORT/api/v1/rules" | grep -q '"name":"CashtagPipelineDown"' ||
    { warn "prometheus: alert CashtagPipelineDown is not loaded (rule_files)"; return 1; }
  say "prometheus: ready, promtool check config ok (checks the rules too), query API ok, rules loaded"
}

cmd_verify() {
  local s rc=0
  for s in "$@"; do
    if ! cmd_running "$s"; then warn "$s: not running"; rc=1; continue; fi
    "verify_$s" || rc=1
  done
  return $rc
}

# ---------------------------------------------------------------------------------------------

main() {
  local cmd=${1:-status}
  shift || true
  if [[ $cmd == nodetool ]]; then cmd_nodetool "$@"; return; fi
  local servers=("$@") s
  [[ ${#servers[@]} -gt 0 ]] || servers=("${ALL_SERVERS[@]}")
  for s in "${servers[@]}"; do
    in_list "$s" "${ALL_SERVERS[@]}" || die "unknown server '$s' (known: ${ALL_SERVERS[*]})"
  done
  case $cmd in
    up) cmd_up "${servers[@]}" ;;
    down|stop) cmd_down "${servers[@]}" ;;
    status) cmd_status "${servers[@]}" ;;
    env) env_lines ;;
    running) cmd_running "${servers[@]}" ;;
    verify) cmd_verify "${servers[@]}" ;;
    fetch) cmd_fetch "${servers[@]}" ;;
    -h|--help|help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (up, down, status, env, running, verify, fetch)" ;;
  esac
}

main "$@"
