# fuzz harnesses of worldmodel's parsers of outside input: the URDF loader
# (with the model compiler) and the cell YAML loader
if(TARGET mi_wm)
  mirai_add_fuzzer(NAME urdf SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_urdf.c LIBS mirai::wm)
  mirai_add_fuzzer(NAME cell SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_cell.c LIBS mirai::wm)
endif()
