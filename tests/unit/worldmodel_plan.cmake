# unit tests of worldmodel/'s costs, planners, worker pool and rollouts
# (engineer `plan`); the model/dynamics tests are in worldmodel.cmake
if(TARGET mirai::wm)
  foreach(f pool cost planner rollout)
    mirai_add_test(NAME test_worldmodel_${f}
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_${f}.c
      LIBS mirai::wm
      LABELS unit)
  endforeach()
  # the signed distances are checked against libccd's GJK/EPA
  target_link_libraries(test_worldmodel_cost PRIVATE ${MIRAI_CCD_LIB})
  # a counter around the allocator proves a planning cycle allocates nothing
  mirai_test_count_allocs(test_worldmodel_rollout)
endif()
