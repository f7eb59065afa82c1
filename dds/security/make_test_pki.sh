#!/usr/bin/env bash
# dds/security/make_test_pki.sh - a TEST public-key infrastructure for DDS
# Security: a CA, an identity certificate and key per node, and governance and
# permissions documents signed by the CA (S/MIME, as the OMG DDS Security spec
# wants), plus secure.xml (dds/security/secure.xml.in filled in).
#
#   dds/security/make_test_pki.sh OUT_DIR [NODE ...]
#
# NODE defaults to every identity mirai's permissions know (below). Keys are
# unencrypted and the CA key lies beside them: for tests and demos only; a
# deployment keeps its CA offline and each host holds only its own key.
#
# Governance: every domain; no unauthenticated participant may join; discovery,
# liveliness and RTPS messages and every topic's metadata and payload are
# encrypted; read and write access control on every topic.
# Permissions: one grant per node (subject CN=<node>), each allowing only the
# topics that node publishes and subscribes (launch/ and the node sources);
# everything else is denied.
#
# Exit status: 0, or 1 with a message (openssl missing or failing, bad args).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-}"
if [[ -z "$out" || "$out" == -* ]]; then
  echo "usage: $0 OUT_DIR [NODE ...]" >&2
  exit 1
fi
shift
command -v openssl >/dev/null || { echo "make_test_pki: openssl not found (apt-get install openssl)" >&2; exit 1; }

# the grants: node -> "publish topics|subscribe topics" (DDS names, rt/...)
declare -A grant=(
  [sim]="rt/joint_states rt/part_poses rt/wrench rt/safety_zone rt/clock rt/sim/status|rt/joint_commands"
  [predictor]="rt/plan rt/planner/status|rt/joint_states rt/part_poses rt/wrench rt/safety_zone rt/goal rt/teleop/twist rt/clock"
  [controller]="rt/joint_commands rt/controller/status|rt/plan rt/joint_states rt/safety_zone rt/clock"
  [teleop]="rt/teleop/twist|rt/clock"
  [operator]="rt/goal|rt/planner/status rt/controller/status rt/sim/status rt/clock"
  [launch]="|rt/clock rt/plan rt/planner/status rt/controller/status rt/safety_zone rt/sim/status"
  [monitor]="|rt/*"
)
nodes=("$@")
[[ ${#nodes[@]} -gt 0 ]] || nodes=(sim predictor controller teleop operator launch monitor)
for n in "${nodes[@]}"; do
  [[ -n "${grant[$n]+x}" ]] || { echo "make_test_pki: no grant for node '$n' (known: ${!grant[*]})" >&2; exit 1; }
done

# the Debian package's plugins (libddsc0debian), else next to libddsc
libdir=""
for d in /usr/lib/x86_64-linux-gnu/libddsc0debian /usr/lib/*/libddsc0debian /usr/lib/*-linux-gnu /usr/local/lib; do
  if [[ -e "$d/libdds_security_auth.so" ]]; then libdir="$d"; break; fi
done
[[ -n "$libdir" ]] || { echo "make_test_pki: Cyclone's security plugins (libdds_security_auth.so) not found" >&2; exit 1; }

mkdir -p "$out"
out="$(cd "$out" && pwd)"
log="$out/openssl.log"
: >"$log"
ossl() { openssl "$@" >>"$log" 2>&1 || { echo "make_test_pki: openssl $1 failed (see $log)" >&2; exit 1; }; }

subject_dn="O=mirai test,C=NL"
# 1. the CA (identity CA and permissions CA in one), EC P-256
ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3650 \
  -subj "/C=NL/O=mirai test/CN=mirai test CA" -keyout "$out/ca.key" -out "$out/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"

# 2. an identity per node, signed by the CA
for n in "${nodes[@]}"; do
  mkdir -p "$out/$n"
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
    -subj "/C=NL/O=mirai test/CN=$n" -keyout "$out/$n/key.pem" -out "$out/$n/req.csr"
  ossl x509 -req -in "$out/$n/req.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
    -days 3650 -sha256 -out "$out/$n/cert.pem"
  rm -f "$out/$n/req.csr"
  chmod 600 "$out/$n/key.pem"
done
chmod 600 "$out/ca.key"

# 3. governance
cat >"$out/governance.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_governance.xsd">
  <domain_access_rules>
    <domain_rule>
      <domains><id_range><min>0</min><max>230</max></id_range></domains>
      <allow_unauthenticated_participants>false</allow_unauthenticated_participants>
      <enable_join_access_control>true</enable_join_access_control>
      <discovery_protection_kind>ENCRYPT</discovery_protection_kind>
      <liveliness_protection_kind>ENCRYPT</liveliness_protection_kind>
      <rtps_protection_kind>ENCRYPT</rtps_protection_kind>
      <topic_access_rules>
        <topic_rule>
          <topic_expression>*</topic_expression>
          <enable_discovery_protection>true</enable_discovery_protection>
          <enable_liveliness_protection>true</enable_liveliness_protection>
          <enable_read_access_control>true</enable_read_access_control>
          <enable_write_access_control>true</enable_write_access_control>
          <metadata_protection_kind>ENCRYPT</metadata_protection_kind>
          <data_protection_kind>ENCRYPT</data_protection_kind>
        </topic_rule>
      </topic_access_rules>
    </domain_rule>
  </domain_access_rules>
</dds>
XML

# 4. permissions: one grant per node
topics_xml() {
  local t
  for t in $1; do printf '              <topic>%s</topic>\n' "$t"; done
}
not_before="$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%S)"
not_after="$(date -u -d '+10 years' +%Y-%m-%dT%H:%M:%S)"
{
  cat <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<dds xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:noNamespaceSchemaLocation="http://www.omg.org/spec/DDS-SECURITY/20170901/omg_shared_ca_permissions.xsd">
  <permissions>
XML
  for n in "${nodes[@]}"; do
    pub="${grant[$n]%%|*}"
    sub="${grant[$n]#*|}"
    printf '    <grant name="%s">\n' "$n"
    printf '      <subject_name>CN=%s,%s</subject_name>\n' "$n" "$subject_dn"
    printf '      <validity><not_before>%s</not_before><not_after>%s</not_after></validity>\n' \
      "$not_before" "$not_after"
    printf '      <allow_rule>\n'
    printf '        <domains><id_range><min>0</min><max>230</max></id_range></domains>\n'
    if [[ -n "$pub" ]]; then
      printf '        <publish>\n          <topics>\n%s\n          </topics>\n        </publish>\n' "$(topics_xml "$pub")"
    fi
    if [[ -n "$sub" ]]; then
      printf '        <subscribe>\n          <topics>\n%s\n          </topics>\n        </subscribe>\n' "$(topics_xml "$sub")"
    fi
    printf '      </allow_rule>\n'
    printf '      <default>DENY</default>\n'
    printf '    </grant>\n'
  done
  cat <<'XML'
  </permissions>
</dds>
XML
} >"$out/permissions.xml"

# 5. both signed by the CA (S/MIME, text/plain content, as the spec's samples)
ossl smime -sign -text -in "$out/governance.xml" -out "$out/governance.p7s" \
  -signer "$out/ca.pem" -inkey "$out/ca.key"
ossl smime -sign -text -in "$out/permissions.xml" -out "$out/permissions.p7s" \
  -signer "$out/ca.pem" -inkey "$out/ca.key"
# a signature that does not verify is worse than none: check it now
for f in governance permissions; do
  ossl smime -verify -in "$out/$f.p7s" -CAfile "$out/ca.pem" -out "$out/$f.verified"
  rm -f "$out/$f.verified"
done

# 6. the secure config for this PKI
sed -e "s|@PKI_DIR@|$out|g" -e "s|@SECURITY_LIBDIR@|$libdir|g" "$here/secure.xml.in" >"$out/secure.xml"

echo "make_test_pki: CA, ${#nodes[@]} identities (${nodes[*]}), governance and permissions in $out"
echo "make_test_pki: config: file://$out/secure.xml (identity: \$MIRAI_NODE_NAME, else 'launch')"
