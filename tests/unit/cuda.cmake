# unit tests of the CUDA backend and the run-time backend choice (engineer
# `cuda`). test_cuda_candidate and test_cuda_fallback run everywhere;
# test_cuda_parity needs a device and reports SKIPPED (exit 77) without one.
if(TARGET mirai::wm)
  mirai_add_test(NAME test_cuda_candidate
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_cuda_candidate.c
    LIBS mirai::wm LABELS unit)
  mirai_add_test(NAME test_cuda_fallback
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_cuda_fallback.c
    LIBS mirai::wm LABELS unit)
  # no device visible, whatever the machine has
  set_tests_properties(test_cuda_fallback PROPERTIES ENVIRONMENT "CUDA_VISIBLE_DEVICES=")
  mirai_add_test(NAME test_cuda_parity
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_cuda_parity.c
    LIBS mirai::wm LABELS unit TIMEOUT 300)
  set_tests_properties(test_cuda_parity PROPERTIES SKIP_RETURN_CODE 77)
endif()
