# integration tests of the predictor node (engineer `pred2`; domain ids
# 90-109): closed loop with the sim node in lockstep, in this process; one
# executable, one ctest entry per case (reach, teleop into the table, pick)
if(TARGET mi_predictor AND TARGET mi_sim)
  mirai_add_test(NAME test_predictor_loop_reach
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_predictor_loop.c
    LIBS mirai::predictor mirai::sim
    LABELS integration TIMEOUT 180 ARGS test_reach)
  # three nodes and their threads in one process: run alone, as timing under a
  # parallel ctest once made the pick case miss (40 plans instead of ~145)
  set_tests_properties(test_predictor_loop_reach PROPERTIES RUN_SERIAL TRUE)
  # teleop into the table (stopped short) and pick (intercept within 0.06 m):
  # pass since the rollouts and the sim's servo share the tracking law with
  # gravity compensation (worldmodel/rollout_law.h) and the plan's points are
  # the references the rollouts tracked (engineer `loop`)
  foreach(t teleop_into_table pick)
    add_test(NAME test_predictor_loop_${t} COMMAND test_predictor_loop_reach test_${t})
    set_tests_properties(test_predictor_loop_${t} PROPERTIES LABELS integration TIMEOUT 180
                         RUN_SERIAL TRUE)
  endforeach()
endif()

# `mirai node predictor` as a process, fed by a scripted plant on sim time
if(TARGET mi_predictor AND TARGET mirai)
  mirai_add_test(NAME test_predictor_node
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_predictor_node.c
    LIBS mirai::dds mi_test_support
    LABELS integration TIMEOUT 120)
  add_dependencies(test_predictor_node mirai)
endif()
