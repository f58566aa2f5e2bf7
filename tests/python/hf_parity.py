"""Loads a `ptk-export weights` BERT folder with Hugging Face transformers and compares MLM
logits, NSP logits and BertModel outputs with the toolkit's own on the same tokens
(reference_logits.safetensors, written by export.reference_logits=true), and, given TEXT and
IDS (ptk-tokenize's ids of TEXT's lines), the ids AutoTokenizer gives each line, slow and fast.
Usage: hf_parity.py EXPORT_DIR [TEXT IDS]. Prints SKIP and exits 0 where transformers is not
installed; each tokenizer check it cannot run (no `tokenizers` package for the fast one, no
`sentencepiece` for a slow SentencePiece one) is reported as "SKIP <check>: <why>" and counted
neither way. "OK ..." and exit 0 when every check that ran agrees; exit 1 otherwise."""
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


def tokenizer_failures(folder, text_file, ids_file):
    """The lines whose ids differ, per tokenizer kind that could be loaded."""
    with open(text_file, encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")[:-1]
    with open(ids_file, encoding="utf-8") as f:
        expected = [[int(i) for i in row.split()] for row in f.read().split("\n")
                    if not row.startswith("#")][:len(lines)]
    failures = []
    for use_fast in (False, True):
        kind = "fast" if use_fast else "slow"
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(folder, use_fast=use_fast)
        except Exception as error:  # a missing package or a class this version lacks
            print("SKIP %s tokenizer ids: %s" % (kind, error))
            continue
        if tokenizer.is_fast != use_fast:
            print("SKIP %s tokenizer ids: AutoTokenizer gave a %s tokenizer" %
                  (kind, "fast" if tokenizer.is_fast else "slow"))
            continue
        wrong = 0
        for number, (line, ids) in enumerate(zip(lines, expected), 1):
            want = [tokenizer.cls_token_id] + ids + [tokenizer.sep_token_id]
            got = tokenizer(line)["input_ids"]
            if got != want:
                wrong += 1
                print("%s tokenizer, line %d %r: %s, toolkit %s" % (kind, number, line, got, want))
        print("%s tokenizer ids: %d of %d lines differ" % (kind, wrong, len(lines)))
        if wrong:
            failures.append("%s tokenizer ids" % kind)
    return failures


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
    if len(sys.argv) == 4:
        failures += tokenizer_failures(folder, sys.argv[2], sys.argv[3])
    print("FAIL: " + ", ".join(failures) if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
