# unit tests of the predictor's parts in worldmodel/ (engineer `pred`):
# learner, estimator, tasks and the DDS-free predictor core
if(TARGET mirai::wm)
  foreach(f learner estimator tasks predictor)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_${f}.c)
      mirai_add_test(NAME test_worldmodel_${f}
        SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_${f}.c
        LIBS mirai::wm
        LABELS unit TIMEOUT 120)
    endif()
  endforeach()
endif()
