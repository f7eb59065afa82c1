# unit tests of dds/ (loopback DDS within one process; domain ids 10-29)
foreach(f node msg qos domain)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_dds_${f}.c)
    mirai_add_test(NAME test_dds_${f}
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_dds_${f}.c
      LIBS mirai::dds mi_test_support Threads::Threads m
      LABELS unit
      TIMEOUT 60)
  endif()
endforeach()
# test_dds_msg reads serialised bytes through Cyclone's ddsi headers, whose
# atomics use GNU `asm`
set_target_properties(test_dds_msg PROPERTIES C_EXTENSIONS ON)
