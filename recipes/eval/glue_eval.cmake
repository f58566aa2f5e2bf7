# ptk-eval glue: options (torch-free) and the run (LibTorch; tokenizing in ptk-tokenize).
ptk_library(NAME eval_glue_options SOURCES glue_eval_options.cpp DEPS ptk::config ptk::base)
ptk_library(NAME eval_glue SOURCES glue_eval.cpp
  DEPS ptk::eval_glue_options ptk::eval_ranks ptk::text_glue_finetune ptk::export_source ptk::train ptk::io
       nlohmann_json::nlohmann_json ${TORCH_LIBRARIES})
