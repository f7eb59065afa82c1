# the rollout's tracking law with gravity compensation and the plant servo's
# counterpart (engineer `loop`)
if(TARGET mirai::wm AND TARGET mi_sim)
  mirai_add_test(NAME test_worldmodel_rollout_law
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_worldmodel_rollout_law.c
    LIBS mirai::wm mirai::sim
    LABELS unit)
endif()
