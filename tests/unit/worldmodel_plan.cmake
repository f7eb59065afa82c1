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
  target_compile_options(test_worldmodel_rollout PRIVATE -fno-builtin)
  target_link_options(test_worldmodel_rollout PRIVATE
    -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
    -Wl,--wrap=aligned_alloc -Wl,--wrap=posix_memalign)
endif()
