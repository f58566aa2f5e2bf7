# ptk-eval glue: the run (LibTorch; tokenizing in ptk-tokenize); its options are
# text/glue/glue_eval_options.h.
ptk_library(NAME eval_glue SOURCES glue_eval.cpp
  DEPS ptk::text_glue_eval_options ptk::eval_ranks ptk::text_glue_finetune ptk::text_models_source
       ptk::stored_config ptk::train ptk::io
       nlohmann_json::nlohmann_json ${TORCH_LIBRARIES})
