# fuzz harnesses of core's parsers (tests/fuzz/README in the main README):
# with clang and -DMIRAI_FUZZ=ON they are libFuzzer targets (fuzz_<name>);
# in every build they also replay their corpus and kept crashes under ctest.
mirai_add_fuzzer(NAME params SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_params.c LIBS mirai::core)
mirai_add_fuzzer(NAME yaml SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_yaml.c LIBS mirai::core)
