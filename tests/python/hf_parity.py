"""Loads a `ptk-export weights` BERT folder with Hugging Face transformers and compares MLM
logits, NSP logits and BertModel outputs with the toolkit's own on the same tokens
(reference_logits.safetensors, written by export.reference_logits=true).
Usage: hf_parity.py EXPORT_DIR. Prints SKIP and exits 0 where transformers is not installed;
"OK ..." and exit 0 when every output agrees to 1e-4; exit 1 otherwise."""
import os
import sys

try:
    import torch
    import transformers
except ImportError as error:
    print("SKIP: %s" % error)
    sys.exit(0)

from safetensors_file import read_safetensors

TOLERANCE = 1e-4


def main():
    folder = sys.argv[1]
    ref, _ = read_safetensors(os.path.join(folder, "reference_logits.safetensors"))
    inputs = dict(input_ids=ref["input_ids"], token_type_ids=ref["token_type_ids"],
                  attention_mask=ref["attention_mask"])
    failures = []

    def compare(name, actual, expected):
        diff = (actual - expected).abs().max().item()
        print("%s max_abs_diff=%.3g" % (name, diff))
        if not diff < TOLERANCE:
            failures.append(name)

    pretraining, info = transformers.BertForPreTraining.from_pretrained(
        folder, output_loading_info=True)
    unexpected_missing = [k for k in info["missing_keys"]
                          if "position_ids" not in k and "decoder" not in k]
    if unexpected_missing or info["unexpected_keys"]:
        print("FAIL: missing", unexpected_missing, "unexpected", info["unexpected_keys"])
        return 1
    pretraining.eval()
    with torch.no_grad():
        out = pretraining(**inputs)
    compare("BertForPreTraining.prediction_logits", out.prediction_logits, ref["mlm_logits"])
    compare("BertForPreTraining.seq_relationship_logits", out.seq_relationship_logits,
            ref["nsp_logits"])
    masked_lm = transformers.BertForMaskedLM.from_pretrained(folder).eval()
    with torch.no_grad():
        compare("BertForMaskedLM.logits", masked_lm(**inputs).logits, ref["mlm_logits"])
    model = transformers.BertModel.from_pretrained(folder).eval()
    with torch.no_grad():
        out = model(**inputs)
    compare("BertModel.last_hidden_state", out.last_hidden_state, ref["sequence_output"])
    compare("BertModel.pooler_output", out.pooler_output, ref["pooled_output"])
    transformers.AutoTokenizer.from_pretrained(folder)
    print("FAIL: " + ", ".join(failures) if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
