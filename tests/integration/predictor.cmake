# integration tests of the predictor node (engineer `pred2`; domain ids
# 90-109): closed loop with the sim node in lockstep, in this process; one
# executable, one ctest entry per case (reach, teleop into the table, pick)
if(TARGET mi_predictor AND TARGET mi_sim)
  mirai_add_test(NAME test_predictor_loop_reach
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_predictor_loop.c
    LIBS mirai::predictor mirai::sim
    LABELS integration TIMEOUT 180 ARGS test_reach)
  # teleop into the table: passes since the rollouts and the sim's servo
  # share the tracking law with gravity compensation (worldmodel/rollout_law.h)
  add_test(NAME test_predictor_loop_teleop_into_table
    COMMAND test_predictor_loop_reach test_teleop_into_table)
  set_tests_properties(test_predictor_loop_teleop_into_table PROPERTIES
    LABELS integration TIMEOUT 180)
  add_test(NAME test_predictor_loop_pick COMMAND test_predictor_loop_reach test_pick)
  # known failure (see docs/readme/predictor.md, "State"): the tool does not
  # reach the moving part's approach point; run it by hand with
  # test_predictor_loop_reach test_pick
  set_tests_properties(test_predictor_loop_pick PROPERTIES LABELS integration TIMEOUT 180
    DISABLED TRUE)
endif()

# `mirai node predictor` as a process, fed by a scripted plant on sim time
if(TARGET mi_predictor AND TARGET mirai)
  mirai_add_test(NAME test_predictor_node
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_predictor_node.c
    LIBS mirai::dds
    LABELS integration TIMEOUT 120)
  add_dependencies(test_predictor_node mirai)
endif()
