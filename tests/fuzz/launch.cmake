# fuzz harness of the launch file loader (launch/launcher_file.c)
mirai_add_fuzzer(NAME launch
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_launch.c ${PROJECT_SOURCE_DIR}/launch/launcher_file.c
  LIBS mirai::core)
