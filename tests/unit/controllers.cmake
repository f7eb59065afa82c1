# unit tests of controllers/ (one file per controllers file)
if(TARGET mi_ctrl)
  foreach(f traj monitor controller teleop dynamics latency)
    mirai_add_test(NAME test_controllers_${f}
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_controllers_${f}.c
      LIBS mirai::ctrl
      LABELS unit TIMEOUT 60)
  endforeach()
  # the loop itself, with a counter around malloc (--wrap) proving that the
  # loop thread allocates nothing
  mirai_add_test(NAME test_controllers_rtloop
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_controllers_rtloop.c
    LIBS mirai::ctrl
    LABELS unit TIMEOUT 60)
  mirai_test_count_allocs(test_controllers_rtloop)
endif()
