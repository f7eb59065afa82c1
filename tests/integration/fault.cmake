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
