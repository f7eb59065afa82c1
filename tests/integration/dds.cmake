# integration tests of dds/ and `mirai topic`: several processes over the
# default loopback config (domain ids 20-29)
mirai_add_test(NAME test_dds_cli
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_dds_cli.c
  LIBS mirai::dds Threads::Threads m
  LABELS integration
  TIMEOUT 120)
add_dependencies(test_dds_cli mirai)
