# integration tests of controllers/: the controller node over loopback DDS
# (domain ids 50-69 are the controllers' own)
if(TARGET mi_ctrl)
  mirai_add_test(NAME test_controllers_stall
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_controllers_stall.c
    LIBS mirai::ctrl
    LABELS integration TIMEOUT 60)
endif()
