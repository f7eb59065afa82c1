# `mirai record` beside a 30 s lockstep cell_sim run: every reliable topic's
# recorded count equals what its publisher says it published (domain 164).
# ~40 s of wall time: serial, so a loaded suite does not stall the lockstep.
if(TARGET mi_dds)
  mirai_add_test(NAME test_record_cell
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_record_cell.c
    LIBS mirai::dds mi_test_support
    LABELS integration
    TIMEOUT 150)
  add_dependencies(test_record_cell mirai)
  set_tests_properties(test_record_cell PROPERTIES RUN_SERIAL TRUE)
endif()
