# integration tests of sim/: the sim node over loopback DDS (domain ids
# 70-89 are the sim's own)
if(TARGET mi_sim)
  mirai_add_test(NAME test_sim_node
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_sim_node.c
    LIBS mirai::sim
    LABELS integration TIMEOUT 120)
endif()

# `mirai node sim` as a process of its own
if(TARGET mi_sim AND TARGET mirai)
  mirai_add_test(NAME test_sim_node_process
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_sim_node_process.c
    LIBS mirai::dds mi_test_support
    LABELS integration TIMEOUT 120)
  add_dependencies(test_sim_node_process mirai)
endif()
