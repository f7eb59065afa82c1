# multi-host over network namespaces and DDS Security (issue 10): shell-script
# tests driving the `mirai` command. DDS domains 190-209. Return code 77 means
# skipped (not root, a tool or plugin missing); the test prints why.
set(_netsec_work ${CMAKE_CURRENT_BINARY_DIR}/netsec)
set(_netsec_pki ${PROJECT_SOURCE_DIR}/dds/security/make_test_pki.sh)

# authorised nodes talk; no credentials or a foreign CA: nothing read, nothing
# written; grants hold (domains 200-202, no root needed)
add_test(NAME test_security_access
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_security_access.sh
          $<TARGET_FILE:mirai> ${_netsec_pki} ${_netsec_work}/access)
set_tests_properties(test_security_access PROPERTIES LABELS integration TIMEOUT 90
  SKIP_RETURN_CODE 77)

# a payload marker is in a capture on lo without security and not with it
# (domains 203-204; root for tcpdump, else skipped)
add_test(NAME test_security_capture
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_security_capture.sh
          $<TARGET_FILE:mirai> ${_netsec_pki} ${_netsec_work}/capture)
set_tests_properties(test_security_capture PROPERTIES LABELS integration TIMEOUT 90
  SKIP_RETURN_CODE 77)

# the cell as three hosts in network namespaces joined by a bridge, per-host
# unicast DDS configs; the predictor's link down -> SAFE_STOP within the plan
# budget, up -> RUN (domain 190; root, else skipped). Serial: its timing
# budgets are under test.
add_test(NAME test_netns_cell
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_netns_cell.sh
          $<TARGET_FILE:mirai> ${PROJECT_SOURCE_DIR} ${_netsec_work}/netns)
set_tests_properties(test_netns_cell PROPERTIES LABELS integration TIMEOUT 180
  SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

# the same cell over DDS Security: each node authenticated as itself and held
# to its grant, across the namespaces (domain 191; root, else skipped).
# Was disabled: 1 of 3 runs on a heavily loaded VM (load 9-14) never reached
# RUN. With the sim holding its start pose until the first command (before,
# the limp arm could fall onto the belt while secure discovery was slow, and
# every plan from there was rejected), 6 of 6 runs passed, 3 of them beside
# two CPU hogs (load 3.8). Whether load alone can still stall Cyclone 0.10.2's
# secure handshake is not known.
# Not in sanitized builds: under ASan the predictor plans at ~12 Hz and with
# the crypto on top the controller's plan input flaps between RUN and
# DEGRADED before the link ever goes down (seen in CI), so the test would
# measure the sanitizer, not the link. The plain netns test runs there.
if(NOT MIRAI_SANITIZE)
  add_test(NAME test_netns_cell_secure
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_netns_cell.sh
            $<TARGET_FILE:mirai> ${PROJECT_SOURCE_DIR} ${_netsec_work}/netns_secure
            secure ${_netsec_pki})
  set_tests_properties(test_netns_cell_secure PROPERTIES LABELS integration TIMEOUT 180
    SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endif()
