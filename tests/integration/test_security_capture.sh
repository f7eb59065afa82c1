#!/usr/bin/env bash
# tests/integration/test_security_capture.sh - no payload in clear on the
# wire: traffic captured on lo (tcpdump) while an authorised publisher sends
# rt/joint_states samples carrying a marker string (a joint name and a
# frame_id) to an authorised subscriber.
#   plain  (mirai's loopback default, DDS domain 203): the marker MUST be in
#          the capture; this proves the check can see a payload at all.
#   secure (dds/security/secure.xml.in + a test PKI, DDS domain 204): the
#          subscriber receives the samples, yet neither the marker nor the
#          topic name (discovery protection) is anywhere in the capture.
#          The type name (discovery data) is not in it either; the topic name
#          appears only inside the permissions document that the
#          authentication handshake carries in clear (signed, as the DDS
#          Security spec has it), never elsewhere.
# Both run at once, each captured by destination port range (7400 + 250 *
# domain, 250 ports; by destination only: other processes' ephemeral source
# ports may fall in the range).
#
#   test_security_capture.sh MIRAI MAKE_TEST_PKI WORK_DIR
# Exit: 0 pass, 1 fail, 77 skipped (not root, no tcpdump, capture refused).
set -uo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 MIRAI MAKE_TEST_PKI WORK_DIR" >&2; exit 1; }
mirai="$(realpath "$1")" mkpki="$(realpath "$2")" work="$3"
[[ "$(id -u)" == 0 ]] || { echo "SKIP: capturing on lo needs root (CAP_NET_RAW)"; exit 77; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed (make deps installs it)"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 1

out=$("$mkpki" "$work/pki" sim controller 2>&1) || {
  if grep -q "plugins .* not found" <<<"$out"; then echo "SKIP: $out"; exit 77; fi
  echo "FAIL: make_test_pki.sh: $out"; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

# start a capture of one domain's ports; waits until tcpdump listens
capture() { # capture DOMAIN FILE
  local lo=$((7400 + 250 * $1)) hi=$((7400 + 250 * $1 + 249))
  tcpdump -i lo -U -n -w "$2" "udp dst portrange $lo-$hi" 2>"$2.err" &
  pids+=($!)
  for _ in $(seq 50); do
    grep -q "listening on" "$2.err" 2>/dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "SKIP: tcpdump cannot capture on lo: $(head -c 300 "$2.err")"
  exit 77
}
capture 203 plain.pcap
capture 204 secure.pcap

jspub='{header: {frame_id: MIRAI_MARKER_frame}, name: [MIRAI_MARKER_joint], position: [0.25]}'
env -u CYCLONEDDS_URI timeout 20 "$mirai" topic pub /joint_states sensor_msgs/msg/JointState \
  "$jspub" --rate 50 --duration 5 --domain 203 >plain_pub.log 2>&1 &
a=$!
env -u CYCLONEDDS_URI timeout 20 "$mirai" topic echo /joint_states --duration 4 --domain 203 \
  >plain_echo.log 2>&1 &
b=$!
env CYCLONEDDS_URI="file://$work/pki/secure.xml" MIRAI_NODE_NAME=sim timeout 20 "$mirai" topic pub \
  /joint_states sensor_msgs/msg/JointState "$jspub" --rate 50 --duration 5 --domain 204 \
  >secure_pub.log 2>&1 &
c=$!
env CYCLONEDDS_URI="file://$work/pki/secure.xml" MIRAI_NODE_NAME=controller timeout 20 "$mirai" \
  topic echo /joint_states --duration 4 --domain 204 >secure_echo.log 2>&1 &
d=$!
wait $a $b $c $d
sleep 0.3
cleanup
pids=()

count() { grep -a -o "$1" "$2" 2>/dev/null | wc -l; }
packets() { tcpdump -r "$1" -n 2>/dev/null | wc -l; }
fail=0
check() { if [[ "$2" == 0 ]]; then echo "ok   $1 ($3)"; else echo "FAIL $1 ($3)"; fail=1; fi; }

pp=$(packets plain.pcap) sp=$(packets secure.pcap)
pe=$(grep -c '^---$' plain_echo.log || true) se=$(grep -c '^---$' secure_echo.log || true)
pm=$(count MIRAI_MARKER plain.pcap) sm=$(count MIRAI_MARKER secure.pcap)
py=$(count JointState_ plain.pcap) sy=$(count JointState_ secure.pcap)
st=$(count rt/joint_states secure.pcap) sg=$(count '<topic>rt/joint_states</topic>' secure.pcap)
check "plain: subscriber received" $((pe > 0 ? 0 : 1)) "$pe samples, $pp packets captured"
check "plain: marker found in clear (the check works)" $((pm > 0 ? 0 : 1)) "$pm occurrences"
check "secure: subscriber received" $((se > 0 ? 0 : 1)) "$se samples, $sp packets captured"
check "secure: marker not in the capture" $((sm == 0 ? 0 : 1)) "$sm occurrences"
check "secure: type name not in the capture (plain: $py)" $((sy == 0 && py > 0 ? 0 : 1)) "$sy occurrences"
check "secure: topic name only in the signed permissions" $((st == sg ? 0 : 1)) "$st occurrences, $sg in <topic> grants"
if [[ $fail != 0 ]]; then
  for f in *.log *.err; do echo "== $f"; tail -n 5 "$f"; done
  exit 1
fi
exit 0
