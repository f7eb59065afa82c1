# the README's params reference is what the params tables say
# (tests/readme_params.sh; `--update` regenerates it)
add_test(NAME test_readme_params
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/readme_params.sh $<TARGET_FILE:mirai> ${PROJECT_SOURCE_DIR}/README.md)
set_tests_properties(test_readme_params PROPERTIES LABELS unit TIMEOUT 30)
