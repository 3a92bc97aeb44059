#!/usr/bin/env bash
# Installs (if missing) and runs a single-node Slurm cluster on this machine, so that tests can
# submit `sbatch --array` jobs. CI (.ci/run) calls it before the tests that need Slurm.
#   scripts/slurm-cluster.sh start    install slurm-wlm and munge from Debian's packages if missing,
#                                     start munged, slurmctld and slurmd, wait until the node is idle.
#                                     Idempotent: if the cluster already answers, only prints its state.
#   scripts/slurm-cluster.sh stop     stop the three daemons (the state folder is kept)
#   scripts/slurm-cluster.sh status   print the daemons and `sinfo`; exit 0 only if the node is up
#   CALLUS_SLURM_DIR   state folder: slurm.conf, logs, pid files, StateSaveLocation, SlurmdSpoolDir
#                      (default: /tmp/callus-slurm)
# The configuration is written to $CALLUS_SLURM_DIR/slurm.conf and /etc/slurm/slurm.conf is made a
# symlink to it, so that plain `sbatch`, `squeue`, `sinfo` in any later shell work without SLURM_CONF.
# (A different /etc/slurm/slurm.conf found there is moved aside to slurm.conf.callus-saved.)
# The node is this host's short name with address 127.0.0.1, so it works whether or not the host name
# resolves. Needs root (re-runs itself with sudo if it has to) and Debian's apt-get; no systemd needed.
set -euo pipefail

dir="${CALLUS_SLURM_DIR:-/tmp/callus-slurm}"
conf="$dir/slurm.conf"
etc_conf=/etc/slurm/slurm.conf
node="$(hostname -s 2>/dev/null || hostname)"
node="${node:-localhost}"
munge_key=/etc/munge/munge.key
munge_pid=/run/munge/munged.pid
wait_seconds=60
export SLURM_CONF="$conf"

say() { echo "slurm-cluster: $*" >&2; }
die() { say "error: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "must run as root (and sudo is not installed)"
  exec sudo CALLUS_SLURM_DIR="$dir" "$0" "$@"
fi

# The node's state as sinfo reports it (idle, mixed, down*, drained, ...), or nothing if the
# controller does not answer. (Without a slurmctld, sinfo retries for about 10 s, so ask only if ours runs.)
node_state() {
  command -v sinfo >/dev/null || return 0
  alive "$dir/slurmctld.pid" || return 0
  timeout 10 sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1 || true
}

# True if the node takes jobs. (slurmctld notices a dead slurmd only after SlurmdTimeout, so check it too.)
node_up() {
  alive "$dir/slurmd.pid" || return 1
  case "$(node_state)" in
    idle | mixed | allocated | completing) return 0 ;;
    *) return 1 ;;
  esac
}

# True if the pid file names a live process.
alive() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

show_logs() {
  local log
  for log in "$dir/slurmctld.log" "$dir/slurmd.log" /var/log/munge/munged.log; do
    if [ -f "$log" ]; then
      echo "---- tail of $log" >&2
      tail -n 20 "$log" >&2
    fi
  done
}

install_packages() {
  local missing=()
  command -v munged >/dev/null || missing+=(munge)
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
    missing+=(slurm-wlm)
  fi
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  local log="$dir/apt.log"
  local apt=(apt-get -q -y -o Dpkg::Use-Pty=0 install --no-install-recommends "${missing[@]}")
  # Update the package lists only if they do not know the packages, or the install fails with them.
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    apt-get -q update >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get update failed"; }
  fi
  if ! "${apt[@]}" >>"$log" 2>&1; then
    say "install failed; updating the package lists and retrying"
    apt-get -q update >>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get update failed"; }
    "${apt[@]}" >>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
}

start_munge() {
  if [ ! -s "$munge_key" ]; then
    say "creating $munge_key"
    install -d -o munge -g munge -m 0700 /etc/munge
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile="$munge_key" --force
    else
      dd if=/dev/urandom of="$munge_key" bs=1024 count=1 status=none
    fi
  fi
  # munged refuses to start unless its key and folders belong to it and others cannot write them.
  chown munge:munge /etc/munge "$munge_key"
  chmod 0700 /etc/munge
  chmod 0400 "$munge_key"
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0
  fi
  stop_daemons "$munge_pid"
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  say "starting munged"
  if command -v runuser >/dev/null; then
    runuser -u munge -- munged || { show_logs; die "munged failed to start"; }
  elif command -v sudo >/dev/null; then
    sudo -u munge munged || { show_logs; die "munged failed to start"; }
  else
    su -s /bin/sh munge -c munged || { show_logs; die "munged failed to start"; }
  fi
  for _ in $(seq 1 20); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  show_logs
  die "munged does not answer (munge -n | unmunge fails)"
}

# The slurm.conf this script wants.
config_text() {
  local cpus mem_mb
  cpus="$(nproc --all 2>/dev/null || nproc)"
  mem_mb="$(awk '/^MemTotal:/ { print int($2 * 0.9 / 1024 / 256) * 256 }' /proc/meminfo)"
  [ "$mem_mb" -gt 0 ] || mem_mb=1
  # RealMemory is 90% of the memory rounded down to 256 MB, so that slurmd never finds less than
  # configured and drains the node, and so that a small change of MemTotal does not change the file. kill_invalid_depend cancels a job whose afterok dependency failed, instead of
  # leaving it pending (DependencyNeverSatisfied) for ever. batch_sched_delay=0 starts a submitted
  # job at once rather than up to 3 s later (an array job and its dependent: ~2 s instead of ~10 s).
  cat <<EOF
# Written by callus scripts/slurm-cluster.sh: a single-node cluster for tests.
ClusterName=callus-ci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
DependencyParameters=kill_invalid_depend
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

config_current() { [ -f "$conf" ] && [ "$(cat "$conf")" = "$(config_text)" ]; }

# Writes slurm.conf (setting config_changed=1 if it differs) and the /etc/slurm symlink.
write_config() {
  mkdir -p "$dir/state" "$dir/spool"
  if ! config_current; then
    config_text >"$conf"
    config_changed=1
  fi
  mkdir -p /etc/slurm
  if [ "$(readlink "$etc_conf" 2>/dev/null)" != "$conf" ]; then
    if [ -e "$etc_conf" ] && [ ! -L "$etc_conf" ]; then
      say "moving the existing $etc_conf to $etc_conf.callus-saved"
      mv "$etc_conf" "$etc_conf.callus-saved"
    fi
    ln -sfn "$conf" "$etc_conf"
  fi
}

# Sends SIGTERM to the daemons named by the pid files, waits up to 10 s for all, then SIGKILLs the rest.
# (Each Slurm daemon takes about 2 s to exit, hence all at once.)
stop_daemons() { # pidfile...
  local pidfile pid pids=()
  for pidfile in "$@"; do
    alive "$pidfile" || continue
    pid="$(cat "$pidfile")"
    say "stopping $(basename "$pidfile" .pid) (pid $pid)"
    kill "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  for _ in $(seq 1 40); do
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && break
      pid=""
    done
    [ -z "${pid:-}" ] && break
    sleep 0.25
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pidfile in "$@"; do alive "$pidfile" || rm -f "$pidfile"; done
}

start() {
  if node_up; then
    if config_current && [ "$(readlink "$etc_conf" 2>/dev/null)" = "$conf" ]; then
      say "already running: node $node is $(node_state)"
      sinfo
      return 0
    fi
    say "running, but with an outdated configuration: restarting"
  fi
  mkdir -p "$dir"
  install_packages
  start_munge
  config_changed=0
  write_config
  if [ "$config_changed" -eq 1 ]; then
    stop_daemons "$dir/slurmd.pid" "$dir/slurmctld.pid"
  fi
  if ! alive "$dir/slurmctld.pid"; then
    say "starting slurmctld"
    slurmctld -f "$conf" || { show_logs; die "slurmctld failed to start"; }
  fi
  if ! alive "$dir/slurmd.pid"; then
    say "starting slurmd (node $node)"
    slurmd -f "$conf" -N "$node" || { show_logs; die "slurmd failed to start"; }
  fi
  local state="" deadline=$((SECONDS + wait_seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    state="$(node_state)"
    case "$state" in
      idle | mixed | allocated | completing)
        say "node $node is $state"
        sinfo
        return 0
        ;;
      down* | drain* | fail*)
        scontrol update nodename="$node" state=resume 2>/dev/null || true
        ;;
    esac
    sleep 0.5
  done
  show_logs
  die "node $node not idle after ${wait_seconds}s (sinfo says: ${state:-no answer})"
}

stop() {
  stop_daemons "$dir/slurmd.pid" "$dir/slurmctld.pid" "$munge_pid"
}

status() {
  local name pidfile state
  for name in munged slurmctld slurmd; do
    case "$name" in
      munged) pidfile="$munge_pid" ;;
      *) pidfile="$dir/$name.pid" ;;
    esac
    if alive "$pidfile"; then echo "$name: running (pid $(cat "$pidfile"))"; else echo "$name: stopped"; fi
  done
  if node_up; then
    sinfo
  else
    state="$(node_state)"
    echo "node $node: not up (sinfo says: ${state:-controller not answering})"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
