# unit tests of dds/ (loopback DDS within one process; domain ids 10-29)
foreach(f node msg qos domain)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_dds_${f}.c)
    mirai_add_test(NAME test_dds_${f}
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_dds_${f}.c
      LIBS mirai::dds Threads::Threads m
      LABELS unit
      TIMEOUT 60)
  endif()
endforeach()
