# MCAP container (dds/mcap.c): unit test, and a cross-check with the reference
# TypeScript reader (@mcap/core) when node and the package are installed
if(TARGET mi_dds)
  mirai_add_test(NAME test_dds_mcap
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_dds_mcap.c
    LIBS mirai::dds
    LABELS unit)
  add_executable(mcap_sample ${CMAKE_CURRENT_SOURCE_DIR}/tools/mcap_sample.c)
  target_link_libraries(mcap_sample PRIVATE mirai::dds)
  mirai_target_warnings(mcap_sample)
  find_program(NODE_EXE node)
  if(NODE_EXE)
    add_test(NAME mcap_reference_reader
      COMMAND sh -c "$<TARGET_FILE:mcap_sample> mcap_ref.mcap 250 && mkdir -p ${PROJECT_BINARY_DIR}/tools && cp ${CMAKE_CURRENT_SOURCE_DIR}/tools/mcap_check.mjs ${PROJECT_BINARY_DIR}/tools/ && ${NODE_EXE} ${PROJECT_BINARY_DIR}/tools/mcap_check.mjs mcap_ref.mcap 250")
    set_tests_properties(mcap_reference_reader PROPERTIES LABELS unit SKIP_RETURN_CODE 77
      WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  endif()
endif()
