# fuzz harness of inbound samples: CDR decoding and validation of every type
if(TARGET mi_dds)
  mirai_add_fuzzer(NAME cdr SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_cdr.c LIBS mirai::dds)
endif()
