# unit tests of sim/ (one file per sim file)
if(TARGET mi_sim)
  foreach(f bullet_capi sensors schedule command cell loop desc)
    mirai_add_test(NAME test_sim_${f}
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sim_${f}.c
      LIBS mirai::sim
      LABELS unit TIMEOUT 60)
  endforeach()
endif()

# the falling arm against MuJoCo, the independent dynamics peer (test only)
find_library(MIRAI_MUJOCO_LIB mujoco)
if(TARGET mi_sim AND MIRAI_MUJOCO_LIB)
  mirai_add_test(NAME test_sim_falling_arm
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sim_falling_arm.c
    LIBS mirai::sim ${MIRAI_MUJOCO_LIB}
    LABELS unit TIMEOUT 60)
endif()
