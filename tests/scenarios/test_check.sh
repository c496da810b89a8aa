#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2119 # cases run through check
# stepdown --check as real root in private namespaces: for every row of the
# decision table, the verdict line, the exit code, the JSON fields and the fix
# text; the live probe against sockets that answer OK, answer 500, close at
# once, and refuse the connection; and proof that --check changes nothing:
# the private /etc is byte-identical (and unchanged in mode, owner, ctime,
# inode) afterwards, and strace shows that only the forked probe child ever
# changes credentials. JSON is validated with python3 -m json.tool.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
scenario_begin
# stepdown warns about unknown STEPDOWN_* variables; a harness variable such
# as STEPDOWN_ORIG (exported by some versions of lib.sh) must not reach it.
export -n STEPDOWN_ORIG 2>/dev/null || true

S() { printf '%s/%s' "$SCENARIO_SOCK" "$1"; }
BASE_GROUP=$'root:x:0:\napp:x:1000:\n'

# ---------------------------------------------------------------- helpers

# json_get QUERY [JSON]: a value from the JSON in $RUN_OUT. QUERY is a dotted
# path; a number indexes a list, name[key=value] picks the first list element
# whose key equals value. Strings print raw, anything else as compact JSON.
json_get() {
  python3 -c '
import json, re, sys
v = json.loads(sys.argv[2])
for part in filter(None, sys.argv[1].split(".")):
    m = re.fullmatch(r"(\w+)\[(\w+)=([^\]]*)\]", part)
    if m:
        v = next(x for x in v[m.group(1)] if str(x.get(m.group(2))) == m.group(3))
    elif isinstance(v, list):
        v = v[int(part)]
    else:
        v = v[part]
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
' "$1" "${2-$RUN_OUT}"
}

# assert_json QUERY EXPECTED
assert_json() {
  local value
  if ! value=$(json_get "$1" 2>&1); then
    fail "JSON has no '$1': $value" "$RUN_OUT"
    return 1
  fi
  assert_eq "$2" "$value" "JSON $1"
}

# assert_valid_json: $RUN_OUT is exactly one line of valid JSON with our schema.
assert_valid_json() {
  local err
  err=$(python3 -m json.tool <<<"$RUN_OUT" 2>&1 >/dev/null) || {
    fail "stdout is not valid JSON (python3 -m json.tool): $err" "$RUN_OUT"
    return 1
  }
  [[ $RUN_OUT != *$'\n'* ]] || fail "the JSON document is not one line"
  assert_json schema stepdown-check/1
  assert_json verdict.exit_code "$RUN_STATUS"
}

# check_json ARGS...: stepdown --check --json ARGS in a private namespace.
check_json() { run in_ns "${NS_OPTS[@]}" "$STEPDOWN" --check --json "$@"; }
# check_text ARGS...: the human form.
check_text() { run in_ns "${NS_OPTS[@]}" "$STEPDOWN" --check "$@"; }
NS_OPTS=()

# The private /etc, every entry's bytes and metadata, to compare after --check.
etc_state() {
  find "$SCENARIO_ETC" -printf '%P %y %m %U %G %s %T@ %C@ %i\n' | LC_ALL=C sort
  sha256sum "$SCENARIO_ETC/group" "$SCENARIO_ETC/passwd" 2>/dev/null
  [[ ! -e $SCENARIO_ETC/gshadow ]] || sha256sum "$SCENARIO_ETC/gshadow"
}

# verdict_line: the last line of the human output.
verdict_line() { printf '%s\n' "$RUN_OUT" | tail -n 1; }

# stale_socket PATH UID GID MODE: a socket file nobody listens on (the
# server is killed with SIGKILL, so it cannot remove the file).
stale_socket() {
  make_socket "$@"
  local path=$1 pidfile
  [[ $path == /* ]] || path=$SCENARIO_SOCK/$path
  pidfile=$SCENARIO_DIR/.state/serve${path//\//_}.pid
  local pid
  pid=$(<"$pidfile")
  kill -KILL "$pid"
  wait_until 5 _scenario_not_alive "$pid" || fail "server $pid did not die"
  [[ -S $path ]] || fail "the stale socket file vanished"
}

# set_acl PATH ENTRY...: writes system.posix_acl_access from TAG:ID:PERM
# entries (tags as in linux/posix_acl_xattr.h), without setfacl.
set_acl() {
  python3 -c '
import os, struct, sys
tags = {"user_obj": 1, "user": 2, "group_obj": 4, "group": 8, "mask": 16, "other": 32}
data = struct.pack("<I", 2)
for e in sys.argv[2:]:
    tag, ident, perm = e.split(":")
    data += struct.pack("<HHI", tags[tag], int(perm), int(ident) if ident else 0xFFFFFFFF)
os.setxattr(sys.argv[1], "system.posix_acl_access", data)
' "$@"
}

require_cmd python3

# ---------------------------------------------------------------- the probe

case_grant_ok() {
  make_socket docker.sock 0 988 0660 ok
  local before
  before=$(etc_state)
  check_json -S "$(S docker.sock)"
  assert_status 0
  assert_valid_json
  assert_json ok true
  assert_json verdict.status ok
  assert_json mode drop
  assert_json current.uid.effective 0
  assert_json target.uid 1000
  assert_json target.name app
  assert_json target.source default
  assert_json sockets.0.origin --socket
  assert_json sockets.0.type socket
  assert_json sockets.0.owner '{"uid":0,"name":"root"}'
  assert_json sockets.0.group.gid 988
  assert_json sockets.0.mode 0660
  assert_json sockets.0.acl.entries '[]'
  assert_json sockets.0.decision.row grant
  assert_json sockets.0.decision.grant true
  assert_json sockets.0.permission.via "group 988"
  assert_json sockets.0.required true
  assert_json sockets.0.probe.status ok
  assert_json sockets.0.probe.http_status 200
  assert_json sockets.0.probe.connected true
  assert_match '^[0-9]+$' "$(json_get sockets.0.probe.rtt_us)"
  assert_json group_edit.status would-edit
  assert_json group_edit.lines '["docker:x:988:app"]'
  assert_json after.uid 1000
  assert_json after.groups '[988]'
  assert_json after.capabilities_kept '[]'
  assert_json after.no_new_privs true
  assert_json probe.ran true
  assert_json probe.as.uid '{"real":1000,"effective":1000,"saved":1000}'
  assert_json probe.as.groups '[988]'
  assert_json probe.as.no_new_privs true
  assert_json probe.as.capabilities_empty true
  assert_json problems '[]'
  assert_contains "$(socket_requests docker.sock)" "GET /_ping"
  assert_eq "$before" "$(etc_state)" "--check must leave /etc byte-identical, same metadata"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"

  check_text -S "$(S docker.sock)"
  assert_status 0
  assert_match "^verdict: ok \(exit 0\): the app would run as uid 1000 gid 1000 groups \[988\] and can use '$(S docker.sock)' \(GET /_ping: 200 OK in [0-9.]+ (us|ms)\)$" "$(verdict_line)"
  assert_contains "$RUN_OUT" "would-edit: a real start would write /etc/group"
  assert_contains "$RUN_OUT" "line            docker:x:988:app"
  assert_contains "$RUN_OUT" "drop            OK  taken and proven in a child"
  assert_eq "" "$RUN_ERR" "--check writes its report to stdout only"
  assert_eq "$before" "$(etc_state)"
}
check "grant: root:988 0660 answering OK: exit 0, probe as 1000 with [988], /etc untouched" case_grant_ok

case_http_500() {
  make_socket docker.sock 0 988 0660 500
  check_json -S "$(S docker.sock)"
  assert_status 69
  assert_valid_json
  assert_json ok false
  assert_json verdict.status no-access
  assert_json sockets.0.decision.row grant
  assert_json sockets.0.probe.status http-error
  assert_json sockets.0.probe.ok false
  assert_json sockets.0.probe.connected true
  assert_json sockets.0.probe.http_status 500
  assert_contains "$(json_get sockets.0.probe.detail)" 'HTTP 500 Internal Server Error: {"message":"boom"}'
  assert_json 'problems[code=http-error].severity' error
  assert_contains "$(json_get 'problems[code=http-error].fix.other')" "journalctl -u docker"
  check_text -S "$(S docker.sock)"
  assert_status 69
  assert_match "^verdict: no access \(exit 69\): uid 1000 gid 1000 groups \[988\] cannot use '.*docker.sock': HTTP 500" "$(verdict_line)"
  assert_not_contains "$RUN_OUT" "verdict: ok"
}
check "a socket that accepts and answers 500 is an error (69), never a success" case_http_500

case_close() {
  make_socket docker.sock 0 988 0660 close
  check_json -S "$(S docker.sock)"
  assert_status 69
  assert_valid_json
  assert_json sockets.0.probe.status no-response
  assert_json sockets.0.probe.connected true
  assert_json 'problems[code=no-response].socket' "$(S docker.sock)"
}
check "a socket that accepts and closes: no-response (69)" case_close

case_wrong_body() {
  make_socket docker.sock 0 988 0660 wrong
  check_json -S "$(S docker.sock)"
  assert_status 69
  assert_valid_json
  assert_json sockets.0.probe.status bad-response
  assert_json sockets.0.probe.http_status 200
  assert_contains "$(json_get 'problems[code=bad-response].message')" "'NOT OK'"
}
check "200 with a body other than OK is not a Docker API (69)" case_wrong_body

case_connection_refused() {
  stale_socket stale.sock 0 988 0660
  check_json -S "$(S stale.sock)"
  assert_status 69
  assert_valid_json
  assert_json sockets.0.type socket
  assert_json sockets.0.probe.status connect-failed
  assert_json sockets.0.probe.errno ECONNREFUSED
  assert_json sockets.0.probe.connected false
  assert_contains "$(json_get 'problems[code=connection-refused].message')" "connection refused"
  assert_contains "$(json_get 'problems[code=connection-refused].fix.other')" "systemctl start docker"
  check_text -S "$(S stale.sock)"
  assert_contains "$(verdict_line)" "Connection refused"
  rm -f "$(S stale.sock)"
}
check "a stale socket file (nobody listening): connection refused, reported as such (69)" case_connection_refused

case_two_sockets() {
  make_socket docker.sock 0 988 0660 ok
  make_socket podman.sock 0 991 0660 500
  NS_OPTS=(env STEPDOWN_SOCKET="$(S docker.sock):$(S podman.sock)")
  check_json
  NS_OPTS=()
  assert_status 69
  assert_valid_json
  assert_json sockets.0.origin STEPDOWN_SOCKET
  assert_json sockets.0.probe.status ok
  assert_json sockets.1.probe.status http-error
  assert_json after.groups '[988,991]'
  assert_contains "$(json_get verdict.summary)" "podman.sock"
}
check "two sockets: one OK and one 500 is not OK; the summary names the failing one" case_two_sockets

# ---------------------------------------------------------------- every decision-table row

case_owner_world_member() {
  make_socket own.sock 1000 988 0600
  check_json -S "$(S own.sock)"
  assert_status 0
  assert_valid_json
  assert_json sockets.0.decision.row owner-is-target
  assert_json sockets.0.permission.via owner
  assert_json after.groups '[]'
  assert_json group_edit.status not-needed
  assert_json sockets.0.probe.status ok
  make_socket world.sock 0 988 0666
  check_json -S "$(S world.sock)"
  assert_status 0
  assert_json sockets.0.decision.row world-writable
  assert_json sockets.0.permission.via other
  assert_json sockets.0.probe.status ok
  make_socket docker.sock 0 988 0660
  check_json -G 988 -S "$(S docker.sock)"
  assert_status 0
  assert_json sockets.0.decision.row already-member
  assert_json target.extra_groups '[988]'
  assert_json after.groups '[988]'
  assert_json sockets.0.probe.status ok
}
check "owner-is-target, world-writable, already-member: nothing to grant, probe OK (0)" case_owner_world_member

case_absent() {
  mkdir -p "$SCENARIO_TMP/emptyrun"
  NS_OPTS=(--bind "$SCENARIO_TMP/emptyrun" /run)
  check_json
  assert_status 0
  assert_valid_json
  assert_json sockets.0.path /var/run/docker.sock
  assert_json sockets.0.origin default
  assert_json sockets.0.type absent
  assert_json sockets.0.stat.errno ENOENT
  assert_json sockets.0.decision.row absent
  assert_json sockets.0.required false
  assert_json sockets.0.probe.status skipped
  assert_json 'problems[code=absent].severity' note
  assert_contains "$(json_get 'problems[code=absent].fix.docker_run')" "-v /var/run/docker.sock:/var/run/docker.sock"
  assert_json probe.ran true
  check_json --require-socket
  NS_OPTS=()
  assert_status 69
  assert_valid_json
  assert_json verdict.status no-access
  assert_json 'problems[code=absent].severity' error
  assert_json probe.ran false
  assert_contains "$(json_get probe.not_run)" "refuse to start"
}
check "absent default socket: a note, exit 0; with --require-socket: 69" case_absent

case_stat_failed() {
  ln -s loop.sock "$(S loop.sock)"
  check_json -S "$(S loop.sock)"
  assert_status 69
  assert_valid_json
  assert_json sockets.0.decision.row stat-failed
  assert_json sockets.0.stat.errno ELOOP
  assert_json sockets.0.probe.errno ELOOP
  assert_contains "$(json_get 'problems[code=stat-failed].fix.other')" "check the socket path"
}
check "stat-failed (symlink loop): present but unusable, 69" case_stat_failed

case_not_a_socket() {
  make_dir dir 0 0 0755
  check_json -S "$(S dir)"
  assert_status 69
  assert_valid_json
  assert_json sockets.0.type directory
  assert_json sockets.0.decision.row not-a-socket
  assert_contains "$(json_get 'problems[code=not-a-socket].fix.other')" "Docker created a directory"
  assert_json probe.ran false
  make_fifo fifo 0 988 0660
  check_text -S "$(S fifo)"
  assert_status 69
  assert_contains "$(verdict_line)" "is a FIFO, not a socket"
}
check "not a socket (directory, FIFO): 69 naming the type and the fix" case_not_a_socket

case_gid0() {
  make_socket docker.sock 0 0 0660
  local before
  before=$(etc_state)
  check_json -S "$(S docker.sock)"
  assert_status 77
  assert_valid_json
  assert_json verdict.status refused
  assert_json sockets.0.decision.row gid0-refused
  assert_json 'problems[code=gid0-refused].fix.docker_run' "-e STEPDOWN_ALLOW_GID0=1 (or stepdown --allow-gid0)"
  assert_json 'problems[code=gid0-refused].fix.compose' 'environment: ["STEPDOWN_ALLOW_GID0=1"]'
  assert_contains "$(json_get 'problems[code=gid0-refused].fix.other')" "socket proxy"
  assert_json probe.ran false
  assert_json group_edit.status not-reached
  check_text -S "$(S docker.sock)"
  assert_status 77
  assert_match '^verdict: refused \(exit 77\): stepdown would not start the app: .*--allow-gid0' "$(verdict_line)"

  check_json --allow-gid0 -S "$(S docker.sock)"
  assert_status 0
  assert_valid_json
  assert_json sockets.0.decision.row gid0-granted
  assert_json 'problems[code=gid0-granted].severity' warning
  assert_json after.groups '[0]'
  assert_json sockets.0.probe.status ok
  assert_eq "$before" "$(etc_state)"
}
check "gid 0: refused (77) with the opt-in and a proxy named; granted with --allow-gid0 (warning)" case_gid0

# In the initial user namespace every GID is mapped: 65534 is a group like
# any other, granted, and the probe proves access.
case_overflow_initial_ns() {
  [[ $(tr -s ' ' </proc/self/gid_map) == " 0 0 4294967295" ]] ||
    skip "this runner is not in the initial user namespace (gid_map: $(tr -s ' ' </proc/self/gid_map))"
  make_socket docker.sock 0 65534 0660
  check_json -S "$(S docker.sock)"
  assert_status 0
  assert_valid_json
  assert_json current.user_namespace.gid_map '[{"inside":0,"outside":0,"count":4294967295}]'
  assert_json sockets.0.decision.row grant
  assert_json sockets.0.decision.grant true
  assert_json sockets.0.probe.status ok
  check_text -S "$(S docker.sock)"
  assert_status 0
  assert_not_contains "$RUN_OUT" "--userns=host"
}
check "gid 65534 in the initial user namespace: granted, the probe connects (0)" case_overflow_initial_ns

# In a user namespace mapping only root, the socket's group is unmapped.
case_overflow() {
  make_socket docker.sock 0 988 0660
  run in_ns unshare --user --map-root-user true
  [[ $RUN_STATUS == 0 ]] || skip "cannot create a user namespace here: $RUN_ERR"
  run in_ns unshare --user --map-root-user "$STEPDOWN" --check --json --require-socket -S "$(S docker.sock)"
  assert_status 69
  assert_valid_json
  assert_json sockets.0.group.gid 65534
  assert_json sockets.0.decision.row overflow-gid
  assert_json sockets.0.decision.grant false
  assert_contains "$(json_get 'problems[code=overflow-gid].message')" "user namespace"
  assert_contains "$(json_get 'problems[code=overflow-gid].fix.other')" "socket proxy"
  assert_json 'problems[code=overflow-gid].fix.docker_run' "--userns=host (when the daemon runs with userns-remap)"
}
check "overflow gid 65534 in a user namespace: not granted, explained (69)" case_overflow

case_group_not_writable() {
  make_socket docker.sock 0 988 0640
  check_json -S "$(S docker.sock)"
  assert_status 69
  assert_valid_json
  assert_json sockets.0.decision.row group-not-writable
  assert_json sockets.0.mode 0640
  assert_json sockets.0.probe.errno EACCES
  assert_contains "$(json_get 'problems[code=group-not-writable].fix.other')" "chmod g+w"
}
check "group bits lack write (0640): not granted, 69 with the chmod fix" case_group_not_writable

case_non_root() {
  make_socket docker.sock 0 988 0660
  NS_OPTS=(--as 1000:1000)
  check_json -S "$(S docker.sock)"
  assert_status 69
  assert_valid_json
  assert_json mode non-root
  assert_json current.uid.effective 1000
  assert_json sockets.0.decision.row needs-group
  assert_json sockets.0.probe.errno EACCES
  assert_json 'problems[code=needs-group].fix.docker_run' "--group-add 988"
  assert_json 'problems[code=needs-group].fix.compose' 'group_add: ["988"]'
  assert_json 'problems[code=needs-group].fix.kubernetes' "securityContext.supplementalGroups: [988]"
  assert_json group_edit.status not-root
  assert_json probe.as.uid.effective 1000
  check_text -S "$(S docker.sock)"
  assert_status 69
  assert_contains "$(verdict_line)" "fix: docker run --group-add 988"
  assert_contains "$RUN_OUT" 'compose       group_add: ["988"]'
  assert_contains "$RUN_OUT" "kubernetes    securityContext.supplementalGroups: [988]"

  NS_OPTS=(--as 1000:1000:988)
  check_json -S "$(S docker.sock)"
  NS_OPTS=()
  assert_status 0
  assert_valid_json
  assert_json sockets.0.decision.row accessible
  assert_json sockets.0.probe.status ok
  assert_json probe.as.groups '[988]'
}
check "started non-root: needs-group (69) with the three --group-add forms; accessible with it (0)" case_non_root

case_acl() {
  make_socket acl.sock 0 988 0660
  set_acl "$(S acl.sock)" user_obj::6 user:1000:6 group_obj::6 mask::6 other::0 ||
    skip "cannot set a POSIX ACL on $SCENARIO_SOCK (filesystem without ACLs)"
  NS_OPTS=(--as 1000:1000)
  check_json -S "$(S acl.sock)"
  NS_OPTS=()
  assert_status 0
  assert_valid_json
  assert_json sockets.0.acl.entries '["user::rw-","user:1000:rw-","group::rw-","mask::rw-","other::---"]'
  assert_json sockets.0.decision.row accessible
  assert_json sockets.0.permission '{"allowed":true,"via":"acl user:1000:rw- (mask rw-)"}'
  assert_json sockets.0.probe.status ok
  # Started as root, the same entry means nothing to grant.
  check_json -S "$(S acl.sock)"
  assert_status 0
  assert_json sockets.0.decision.row acl-user
  assert_json sockets.0.decision.grant false
  assert_json group_edit.status not-needed
  assert_json sockets.0.probe.status ok
}
check "a POSIX ACL for uid 1000 is decoded and decides the row, as the probe finds (0)" case_acl

case_read_only_etc() {
  make_socket docker.sock 0 988 0660
  NS_OPTS=(--etc-ro)
  check_json -S "$(S docker.sock)"
  assert_status 0
  assert_valid_json
  assert_json group_edit.status would-fail
  assert_contains "$(json_get group_edit.note)" "read-only"
  assert_contains "$(json_get group_edit.note)" "continues with numeric group 988"
  assert_json 'problems[code=etc-not-writable].severity' warning
  assert_json sockets.0.probe.status ok
  NS_OPTS=(--group-file)
  check_json -S "$(S docker.sock)"
  NS_OPTS=()
  assert_status 0
  assert_json group_edit.status would-fail
  assert_contains "$(json_get group_edit.note)" "single-file bind mount"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
}
check "read-only /etc and a single-file bind mount: the edit would fail, access still works (0)" case_read_only_etc

# ---------------------------------------------------------------- configuration

case_bad_configuration() {
  make_socket docker.sock 0 988 0660
  check_json -u nosuchuser -S "$(S docker.sock)"
  assert_status 67
  assert_valid_json
  assert_json verdict.status bad-config
  assert_json sockets.0.decision.row null
  check_json -u 4294968296 -S "$(S docker.sock)"
  assert_status 64
  assert_json verdict.status bad-config
  NS_OPTS=(env DOCKER_HOST=junk)
  check_json
  assert_status 64
  assert_valid_json
  assert_json 'problems[code=usage].message' "invalid DOCKER_HOST 'junk': expected unix:///path, tcp://host:port or ssh://host"
  NS_OPTS=()
  rm -f "$SCENARIO_ETC/group"
  mkdir "$SCENARIO_ETC/group"
  check_json -S "$(S docker.sock)"
  assert_status 65
  assert_json verdict.status bad-config
  assert_json 'problems[code=etc-unreadable].severity' error
}
check "bad configuration: unknown user 67, bad number and DOCKER_HOST 64, unreadable /etc/group 65" case_bad_configuration

case_refusals() {
  check_json -u 0:0 --no-socket
  assert_status 77
  assert_valid_json
  assert_contains "$(json_get 'problems[code=root-target].fix.other')" "--allow-root-target"
  NS_OPTS=(setpriv --bounding-set=-setpcap --inh-caps=-all)
  make_socket docker.sock 0 988 0660
  check_json -S "$(S docker.sock)"
  NS_OPTS=()
  assert_status 77
  assert_valid_json
  assert_json 'problems[code=missing-capabilities].fix.docker_run' "--cap-add SETPCAP"
  assert_json 'problems[code=missing-capabilities].fix.kubernetes' "securityContext.capabilities.add: [SETPCAP]"
}
check "refusals: root target and missing CAP_SETPCAP are 77 with their fixes" case_refusals

case_setuid_install() {
  make_socket docker.sock 0 988 0660
  chmod u+s "$STEPDOWN"
  NS_OPTS=(--as 1000:1000)
  check_json -S "$(S docker.sock)"
  NS_OPTS=()
  chmod u-s "$STEPDOWN"
  assert_status 77
  assert_contains "$RUN_ERR" "set-user-ID"
  assert_eq "" "$RUN_OUT" "nothing about the socket is shown on the caller's behalf"
}
check "installed setuid: refused (77) before anything is read; nothing on stdout" case_setuid_install

case_no_socket_needed() {
  NS_OPTS=(env DOCKER_HOST=tcp://127.0.0.1:2375)
  check_json
  NS_OPTS=()
  assert_status 0
  assert_valid_json
  assert_json sockets '[]'
  assert_contains "$(json_get socket_note)" "no socket group is needed"
  assert_json probe.ran true
  assert_json probe.as.capabilities_empty true
  check_json --no-socket
  assert_status 0
  assert_json socket_note "--no-socket: no socket handling"
}
check "tcp DOCKER_HOST and --no-socket: nothing to probe, the drop is still proven (0)" case_no_socket_needed

# ---------------------------------------------------------------- changes nothing

case_credentials_untouched() {
  require_cmd strace
  make_socket docker.sock 0 988 0660
  local before trace=$SCENARIO_TMP/trace
  before=$(etc_state)
  # LeakSanitizer cannot run under ptrace: off for the sanitized build, no effect otherwise.
  run in_ns env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -ff -qq -o "$trace" \
    -e trace=clone,clone3,fork,vfork,setgroups,setresuid,setresgid,setuid,setgid,capset,prctl,rename,renameat,renameat2,openat,unlink,unlinkat,link,linkat \
    "$STEPDOWN" --check -S "$(S docker.sock)"
  assert_status 0
  local files=("$trace".*) main="" f
  ((${#files[@]} == 2)) || fail "expected the check and one probe child, got: ${files[*]}"
  for f in "${files[@]}"; do
    if grep -qE '^(clone|clone3|fork|vfork)\(' "$f"; then main=$f; fi
  done
  [[ -n $main ]] || fail "no traced process forked"
  local child
  for f in "${files[@]}"; do [[ $f == "$main" ]] || child=$f; done
  local main_calls
  main_calls=$(grep -E '^(setgroups|setresuid|setresgid|setuid|setgid|capset)\(|PR_SET_NO_NEW_PRIVS|PR_CAPBSET_DROP|PR_CAP_AMBIENT_CLEAR_ALL' "$main" || true)
  assert_eq "" "$main_calls" "the checking process must keep its credentials"
  assert_contains "$(<"$child")" "setgroups(1, [988])"
  assert_contains "$(<"$child")" "setresuid(1000, 1000, 1000)"
  assert_contains "$(<"$child")" "PR_SET_NO_NEW_PRIVS"
  local writes
  writes=$(cat "${files[@]}" | grep -E '^(rename|renameat|renameat2|link|linkat|unlink|unlinkat)\(|^openat\(.*"/etc/.*O_(WRONLY|RDWR|CREAT)' || true)
  assert_eq "" "$writes" "--check must not write, rename or remove files"
  assert_eq "$before" "$(etc_state)"
}
check "strace: only the forked probe child drops; the caller keeps its credentials; no file written" case_credentials_untouched

case_colour() {
  require_cmd script
  make_socket docker.sock 0 988 0660
  local cmd
  printf -v cmd '%q --check -S %q' "$STEPDOWN" "$(S docker.sock)"
  run in_ns env TERM=xterm script -qec "$cmd" /dev/null
  assert_status 0
  assert_contains "$RUN_OUT" $'\e[' "a terminal gets colour"
  run in_ns env TERM=xterm NO_COLOR=1 script -qec "$cmd" /dev/null
  assert_status 0
  assert_not_contains "$RUN_OUT" $'\e[' "NO_COLOR turns colour off"
  assert_contains "$RUN_OUT" "verdict: ok"
  run in_ns env TERM=xterm "$STEPDOWN" --check -S "$(S docker.sock)"
  assert_not_contains "$RUN_OUT" $'\e[' "a pipe gets no colour"
}
check "colour only on a terminal, never with NO_COLOR" case_colour

case_json_logs() {
  # A user value with a quote, a backslash and a control byte in a warning.
  local odd
  odd=$(S $'we"ird\\\x01.sock')
  run in_ns env STEPDOWN_LOG_FORMAT=json "$STEPDOWN" -S "$odd" -- "$PROBE" exit 0
  assert_status 0
  local line
  line=$(printf '%s\n' "$RUN_ERR" | grep -F 'does not exist' | head -n 1)
  [[ -n $line ]] || fail "expected the absent-socket warning on stderr" "$RUN_ERR"
  local each
  while IFS= read -r each; do
    python3 -m json.tool <<<"$each" >/dev/null || fail "stderr line is not valid JSON" "$each"
  done <<<"$RUN_ERR"
  RUN_OUT=$line
  python3 -m json.tool <<<"$line" >/dev/null || fail "log line is not valid JSON" "$line"
  assert_json level warning
  assert_json program stepdown
  assert_match '^[0-9]+$' "$(json_get pid)"
  assert_contains "$(json_get msg)" "$odd"
  assert_eq '["time","level","program","pid","msg"]' "$(python3 -c 'import json,sys; print(json.dumps(list(json.loads(sys.argv[1])), separators=(",", ":")))' "$line")"
}
check "STEPDOWN_LOG_FORMAT=json: one valid object per line, stable keys, message escaped" case_json_logs

scenario_end
