# mirai_add_library(NAME <short> SOURCES ... [LIBS ...])
# One static library per module folder: target mi_<short>, alias mirai::<short>,
# strict warnings, registered for install.
function(mirai_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS;PUBLIC_LIBS" ${ARGN})
  set(tgt mi_${ARG_NAME})
  add_library(${tgt} STATIC ${ARG_SOURCES})
  add_library(mirai::${ARG_NAME} ALIAS ${tgt})
  target_include_directories(${tgt} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/mirai>)
  target_link_libraries(${tgt} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_LIBS})
  mirai_target_warnings(${tgt})
  set_property(GLOBAL APPEND PROPERTY MIRAI_INSTALL_TARGETS ${tgt})
endfunction()
