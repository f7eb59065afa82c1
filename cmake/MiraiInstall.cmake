# Installable package: libraries, headers and the mirai command, with an
# exported mirai::* target set (find_package(mirai)).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(_mirai_targets GLOBAL PROPERTY MIRAI_INSTALL_TARGETS)
if(_mirai_targets)
  install(TARGETS ${_mirai_targets} EXPORT miraiTargets
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mirai)
  install(EXPORT miraiTargets NAMESPACE mirai:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mirai)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/miraiConfig.cmake
       "include(\${CMAKE_CURRENT_LIST_DIR}/miraiTargets.cmake)\n")
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/miraiConfigVersion.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/miraiConfig.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/miraiConfigVersion.cmake
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mirai)
endif()
foreach(mod core dds worldmodel sim controllers)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${mod})
    install(DIRECTORY ${mod}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mirai/${mod}
            FILES_MATCHING PATTERN "*.h")
  endif()
endforeach()
