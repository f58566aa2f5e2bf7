# ptk-eval glue end to end: demo GLUE tasks, a ptk-bert-shaped checkpoint, its HF export.
ptk_test(NAME glue_eval_test SOURCES glue_eval_test.cpp
  DEPS ptk::export_test_fixtures ptk::toy_run ptk::demo_glue nlohmann_json::nlohmann_json
  LABELS integration TIMEOUT 300)
add_dependencies(glue_eval_test ptk-eval ptk-export ptk-tokenize)
