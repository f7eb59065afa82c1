#!/usr/bin/env bash
# tests/integration/test_security_access.sh - DDS Security with the `secure`
# config (dds/security/secure.xml.in) and a test PKI (make_test_pki.sh), over
# loopback, DDS domains 200-202. No root needed.
#
#   test_security_access.sh MIRAI MAKE_TEST_PKI WORK_DIR
#
# Checks, all in one ~8 s window (phases run in parallel on their own domains):
#   talk    an authorised publisher (identity sim) and subscriber (controller)
#           exchange rt/joint_states samples; same for rt/plan (predictor ->
#           controller). These are the positive controls: the negative checks
#           below watch the same traffic, so they could fail.
#   read    a participant without credentials (mirai's plain loopback config)
#           and one whose certificate comes from another CA receive nothing on
#           rt/joint_states while the authorised pair above talks.
#   write   rt/plan published by a participant without credentials, and by one
#           with a foreign CA, never reaches an authorised controller reader.
#   grants  an authenticated node is held to its grant: the controller may not
#           write rt/joint_states, teleop may not read it.
# Exit: 0 pass, 1 fail (with what failed), 77 skipped (openssl or the
# security plugins missing).
set -uo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 MIRAI MAKE_TEST_PKI WORK_DIR" >&2; exit 1; }
mirai="$(realpath "$1")" mkpki="$(realpath "$2")" work="$3"
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 1
command -v openssl >/dev/null || { echo "SKIP: openssl not installed (Makefile DEB_PEERS)"; exit 77; }

out=$("$mkpki" "$work/pki" 2>&1) || {
  if grep -q "plugins .* not found" <<<"$out"; then echo "SKIP: $out"; exit 77; fi
  echo "FAIL: make_test_pki.sh: $out"; exit 1; }
# a second CA with its own identities: valid certificates that mirai's CA never signed
"$mkpki" "$work/rogue" sim controller predictor >/dev/null 2>&1 || { echo "FAIL: rogue PKI"; exit 1; }
secure="file://$work/pki/secure.xml"
rogue="file://$work/rogue/secure.xml"

jspub='{header: {frame_id: MIRAI_MARKER_frame}, name: [MIRAI_MARKER_joint], position: [0.25]}'
planpub='{joint_names: [MIRAI_MARKER_joint], points: [{positions: [0.1], time_from_start: {sec: 0, nanosec: 100000000}}]}'

# run IDENT CONFIG LOG mirai-args...: IDENT "-" = no identity, CONFIG "-" = the plain loopback default
run() {
  local ident="$1" cfg="$2" log="$3"; shift 3
  local env_args=(env -u CYCLONEDDS_URI -u MIRAI_NODE_NAME)
  [[ "$cfg" != - ]] && env_args+=("CYCLONEDDS_URI=$cfg")
  [[ "$ident" != - ]] && env_args+=("MIRAI_NODE_NAME=$ident")
  "${env_args[@]}" timeout 20 "$mirai" "$@" >"$log" 2>&1
}
samples() { grep -c '^---$' "$1" 2>/dev/null || true; }

# talk + read: domain 200
run sim "$secure" js_pub.log topic pub /joint_states sensor_msgs/msg/JointState "$jspub" \
  --rate 20 --duration 8 --domain 200 & p1=$!
run controller "$secure" js_auth.log topic echo /joint_states --duration 7 --domain 200 & p2=$!
run - - js_plain.log topic echo /joint_states --duration 7 --domain 200 & p3=$!
run sim "$rogue" js_rogue.log topic echo /joint_states --duration 7 --domain 200 & p4=$!
# talk on rt/plan: domain 201
run predictor "$secure" plan_pub.log topic pub /plan trajectory_msgs/msg/JointTrajectory "$planpub" \
  --rate 20 --duration 8 --domain 201 & p5=$!
run controller "$secure" plan_auth.log topic echo /plan --duration 7 --domain 201 & p6=$!
# write: domain 202 (nobody authorised publishes here)
run - - plan_plain_pub.log topic pub /plan trajectory_msgs/msg/JointTrajectory "$planpub" \
  --rate 20 --duration 8 --domain 202 & p7=$!
run predictor "$rogue" plan_rogue_pub.log topic pub /plan trajectory_msgs/msg/JointTrajectory "$planpub" \
  --rate 20 --duration 8 --domain 202 & p8=$!
run controller "$secure" plan_victim.log topic echo /plan --duration 7 --domain 202 & p9=$!
# grants
run controller "$secure" grant_write.log topic pub /joint_states sensor_msgs/msg/JointState "$jspub" \
  --once --domain 202; grant_write_rc=$?
run teleop "$secure" grant_read.log topic echo /joint_states --duration 1 --domain 202; grant_read_rc=$?
wait $p1 $p2 $p3 $p4 $p5 $p6 $p7 $p8 $p9

fail=0
check() { # check NAME CONDITION-RESULT(0 ok) DETAIL
  if [[ "$2" == 0 ]]; then echo "ok   $1 ($3)"; else echo "FAIL $1 ($3)"; fail=1; fi
}
n=$(samples js_auth.log);        check "authorised rt/joint_states sim -> controller" $((n > 0 ? 0 : 1)) "$n samples"
n=$(samples plan_auth.log);      check "authorised rt/plan predictor -> controller" $((n > 0 ? 0 : 1)) "$n samples"
n=$(samples js_plain.log);       check "no credentials: reads no rt/joint_states" $((n == 0 ? 0 : 1)) "$n samples"
n=$(samples js_rogue.log);       check "foreign CA: reads no rt/joint_states" $((n == 0 ? 0 : 1)) "$n samples"
n=$(samples plan_victim.log);    check "no credentials / foreign CA: rt/plan never reaches the controller" $((n == 0 ? 0 : 1)) "$n samples"
# the unauthorised publishers did run and publish (else the check above proves nothing)
n=$(grep -c '^publishing #' plan_plain_pub.log || true); check "plain rt/plan publisher ran" $((n > 10 ? 0 : 1)) "$n published"
n=$(grep -c '^publishing #' plan_rogue_pub.log || true); check "foreign-CA rt/plan publisher ran" $((n > 10 ? 0 : 1)) "$n published"
check "controller may not write rt/joint_states" $((grant_write_rc != 0 ? 0 : 1)) \
  "rc $grant_write_rc: $(grep -m1 -o 'Not Allowed By Security' grant_write.log || echo 'no refusal')"
check "teleop may not read rt/joint_states" $((grant_read_rc != 0 ? 0 : 1)) \
  "rc $grant_read_rc: $(grep -m1 -o 'Not Allowed By Security' grant_read.log || echo 'no refusal')"
if [[ $fail != 0 ]]; then
  for f in *.log; do echo "== $f"; tail -n 5 "$f"; done
  exit 1
fi
exit 0
