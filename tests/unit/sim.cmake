# unit tests of sim/ (one file per sim file)
if(TARGET mi_sim)
  mirai_add_test(NAME test_sim_bullet_capi
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_sim_bullet_capi.c
    LIBS mirai::sim
    LABELS unit TIMEOUT 60)
endif()
