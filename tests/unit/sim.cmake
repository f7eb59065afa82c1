# unit tests of sim/ (one file per sim file)
if(TARGET mi_sim)
  foreach(f bullet_capi sensors schedule command cell)
    mirai_add_test(NAME test_sim_${f}
      SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sim_${f}.c
      LIBS mirai::sim
      LABELS unit TIMEOUT 60)
  endforeach()
endif()
