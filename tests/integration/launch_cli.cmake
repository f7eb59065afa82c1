# the mirai command answers --help and --version, and refuses unknown commands
add_test(NAME cli_help COMMAND mirai --help)
set_tests_properties(cli_help PROPERTIES LABELS unit
  PASS_REGULAR_EXPRESSION "usage: mirai <command>.*commands:.*bench.*version")
add_test(NAME cli_version COMMAND mirai --version)
set_tests_properties(cli_version PROPERTIES LABELS unit
  PASS_REGULAR_EXPRESSION "^mirai [0-9]+\\.[0-9]+\\.[0-9]+")
add_test(NAME cli_unknown COMMAND mirai frobnicate)
set_tests_properties(cli_unknown PROPERTIES LABELS unit WILL_FAIL TRUE)
add_test(NAME cli_bench_help COMMAND mirai bench --help)
set_tests_properties(cli_bench_help PROPERTIES LABELS unit PASS_REGULAR_EXPRESSION "usage: mirai bench")
add_test(NAME cli_node_help COMMAND mirai node --help)
set_tests_properties(cli_node_help PROPERTIES LABELS unit PASS_REGULAR_EXPRESSION "usage: mirai node")
add_test(NAME cli_record_help COMMAND mirai record --help)
set_tests_properties(cli_record_help PROPERTIES LABELS unit PASS_REGULAR_EXPRESSION "usage: mirai record -o FILE.mcap")
add_test(NAME cli_record_needs_output COMMAND mirai record /plan)
set_tests_properties(cli_record_needs_output PROPERTIES LABELS unit WILL_FAIL TRUE)
add_test(NAME cli_replay_missing_file COMMAND mirai replay /nonexistent.mcap --domain 118)
set_tests_properties(cli_replay_missing_file PROPERTIES LABELS unit WILL_FAIL TRUE)
