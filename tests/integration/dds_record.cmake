# MCAP record and replay over loopback DDS (domain ids 110-119)
if(TARGET mi_dds)
  mirai_add_test(NAME test_dds_record
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_dds_record.c
    LIBS mirai::dds mi_test_support
    LABELS integration
    TIMEOUT 120)
endif()
