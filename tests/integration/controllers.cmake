# integration tests of controllers/: the controller node over loopback DDS
# (domain ids 50-69 are the controllers' own)
if(TARGET mi_ctrl)
  mirai_add_test(NAME test_controllers_stall
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_controllers_stall.c
    LIBS mirai::ctrl
    LABELS integration TIMEOUT 60)
endif()

# the command line: the bench prints its one line (a short run beside
# cyclictest), the nodes answer --help with their parameters
if(TARGET mirai AND TARGET mi_ctrl)
  # the teleop node as a process: keys on stdin -> rt/teleop/twist (domain 53)
  mirai_add_test(NAME test_controllers_teleop_node
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_controllers_teleop.c
    LIBS mirai::ctrl
    LABELS integration TIMEOUT 60
    ARGS $<TARGET_FILE:mirai>)
  add_dependencies(test_controllers_teleop_node mirai)
  add_test(NAME ctrl_bench_rtloop_smoke COMMAND mirai bench rtloop --rate 1000 --seconds 0.3)
  set_tests_properties(ctrl_bench_rtloop_smoke PROPERTIES LABELS integration TIMEOUT 30
    PASS_REGULAR_EXPRESSION "bench rtloop rate_hz=1000 mirai_p50_us=[0-9]+ mirai_p99_us=[0-9]+ mirai_max_us=[0-9]+ cyclictest_p50_us=[0-9]+ cyclictest_p99_us=[0-9]+ ratio_p99=[0-9.]+")
  add_test(NAME ctrl_node_controller_help COMMAND mirai node controller --help)
  set_tests_properties(ctrl_node_controller_help PROPERTIES LABELS unit
    PASS_REGULAR_EXPRESSION "budgets.plan.late_ms.*stop.time_max")
  add_test(NAME ctrl_node_teleop_help COMMAND mirai node teleop --help)
  set_tests_properties(ctrl_node_teleop_help PROPERTIES LABELS unit
    PASS_REGULAR_EXPRESSION "deadman_button")
  add_test(NAME ctrl_node_controller_bad_param COMMAND mirai node controller -p limits.velocity_max:=[-1])
  set_tests_properties(ctrl_node_controller_bad_param PROPERTIES LABELS unit WILL_FAIL TRUE)
endif()
