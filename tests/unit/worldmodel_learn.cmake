# the learner's correction inside the planner's rollouts (engineer `learn`)
if(TARGET mirai::wm)
  mirai_add_test(NAME test_worldmodel_learner_rollout
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_learner_rollout.c
    LIBS mirai::wm
    LABELS unit TIMEOUT 120)
endif()
