# how the node executor takes samples (reused samples, DATA_AVAILABLE
# waitset, nested spin); loopback DDS in one process, domain ids 144-146
if(TARGET mi_dds)
  mirai_add_test(NAME test_dds_node_take
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_dds_node_take.c
    LIBS mirai::dds mi_test_support Threads::Threads m
    LABELS unit
    TIMEOUT 60)
endif()
