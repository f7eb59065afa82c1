# fault injection (issue 10): faults injected into running nodes and graphs;
# DDS domain ids 170-189. The whole set takes about a minute of ctest time.
if(TARGET mirai AND TARGET mi_wm AND TARGET mi_test_support)
  # the simulated cell under `mirai launch` (domain 170): predictor SIGKILLed,
  # sim SIGSTOPped; the controller's states and times against its budgets
  mirai_add_test(NAME test_fault_cell
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_fault_cell.c
    LIBS mirai::wm mirai::dds mi_test_support
    LABELS integration TIMEOUT 150)
  add_dependencies(test_fault_cell mirai)
  # timings against budgets of 20-300 ms: not beside the other heavy tests
  set_tests_properties(test_fault_cell PROPERTIES RUN_SERIAL TRUE)
endif()

# rt/joint_states flooded with bad samples at 10 kHz for 10 s against the
# predictor and controller processes (domain 171); alone, as its plan rate
# and loss figures mean little beside the rest of a parallel suite
if(TARGET mirai AND TARGET mi_test_support)
  mirai_add_test(NAME test_fault_flood
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_fault_flood.c
    LIBS mirai::dds mi_test_support
    LABELS integration TIMEOUT 120)
  add_dependencies(test_fault_flood mirai)
  set_tests_properties(test_fault_flood PROPERTIES RUN_SERIAL TRUE)
endif()

# a params file with errors: every node kind refuses it (file:line:col, field)
if(TARGET mirai)
  mirai_add_test(NAME test_fault_params
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_fault_params.c
    LIBS mi_test_support
    LABELS integration TIMEOUT 60)
  add_dependencies(test_fault_params mirai)
endif()

# `make tsan`: ThreadSanitizer over the node runtime (the dds node and its
# executor, the SPSC handoff of core/ring.h) and the controller's plan handoff
# (controller core, rt loop, the controller node over DDS). The label is added
# here to tests the module fragments define (included before this one);
# mirai_tsan_tests builds just them.
set(_mirai_tsan_tests test_core_ring test_dds_node test_dds_node_take
    test_controllers_monitor test_controllers_controller test_controllers_rtloop
    test_controllers_stall)
add_custom_target(mirai_tsan_tests)
foreach(t ${_mirai_tsan_tests})
  if(TEST ${t} AND TARGET ${t})
    set_property(TEST ${t} APPEND PROPERTY LABELS tsan)
    add_dependencies(mirai_tsan_tests ${t})
  endif()
endforeach()
