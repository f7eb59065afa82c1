# unit tests of the sim's gripper and contact counting (engineer `pick`)
if(TARGET mi_sim)
  mirai_add_test(NAME test_sim_grasp
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sim_grasp.c
    LIBS mirai::sim
    LABELS unit TIMEOUT 60)
endif()
