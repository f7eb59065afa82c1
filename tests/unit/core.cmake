# unit tests of core/ (one file per core file)
foreach(f status clock log yaml params math philox ring arena)
  mirai_add_test(NAME test_core_${f}
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_core_${f}.c
    LIBS mirai::core
    LABELS unit)
endforeach()
set_tests_properties(test_core_params PROPERTIES
  ENVIRONMENT "MIRAI_TEST_DATA=${CMAKE_CURRENT_SOURCE_DIR}/data")
