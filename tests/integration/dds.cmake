# integration tests of dds/ and `mirai topic`: several processes over the
# default loopback config (domain ids 20-29)
mirai_add_test(NAME test_dds_cli
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_dds_cli.c
  LIBS mirai::dds mi_test_support Threads::Threads m
  LABELS integration
  TIMEOUT 120)
add_dependencies(test_dds_cli mirai)

# the benchmark runs and prints its one line (short; the numbers are the
# README's, measured with the default 5 s)
add_test(NAME bench_dds_smoke COMMAND mirai bench dds --duration 1)
set_tests_properties(bench_dds_smoke PROPERTIES LABELS integration TIMEOUT 60
  PASS_REGULAR_EXPRESSION "bench dds\\.roundtrip size=[0-9]+ mirai_p50_us=[0-9.]+ mirai_p99_us=[0-9.]+ ddsperf_p50_us=[0-9.]+ ddsperf_p99_us=[0-9.]+ ratio_p50=[0-9.]+")
