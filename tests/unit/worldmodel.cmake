# unit tests of worldmodel/ model, dynamics and verification (engineer `wm`);
# the MuJoCo cross-checks link MuJoCo (test and bench peer only)
if(TARGET mi_wm)
  foreach(f model urdf cell verify verify_links clearance)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_${f}.c)
      mirai_add_test(NAME test_worldmodel_${f}
        SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_${f}.c
        LIBS mirai::wm ${MIRAI_CCD_LIB}
        LABELS unit TIMEOUT 60)
    endif()
  endforeach()
  find_library(MIRAI_MUJOCO_LIB mujoco)
  if(MIRAI_MUJOCO_LIB)
    mirai_add_test(NAME test_worldmodel_dynamics
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_dynamics.c
      LIBS mirai::wm ${MIRAI_MUJOCO_LIB}
      LABELS unit TIMEOUT 120)
  endif()
endif()
