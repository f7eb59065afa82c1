# tests of `mirai launch` (launch/launch.h, launch/report.h): real processes
# under the supervisor, DDS domain ids 120-139
mirai_add_test(NAME test_launch_supervisor
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_launch_supervisor.c
  LABELS integration
  TIMEOUT 120)
add_dependencies(test_launch_supervisor mirai)

# the launch file parser and the argv it builds, without processes
mirai_add_test(NAME test_launch_file
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_launch_file.c
          ${PROJECT_SOURCE_DIR}/launch/launcher_file.c
  LIBS mirai::core
  LABELS unit
  TIMEOUT 30)

# launch/cell_sim.yaml for 13 s of lockstep cell time (sim, predictor, controller): a pick
mirai_add_test(NAME test_launch_cell_sim
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_launch_cell_sim.c
  LIBS mi_test_support
  LABELS integration
  TIMEOUT 120)
add_dependencies(test_launch_cell_sim mirai)
