"""An independent post-LN BERT in plain torch ops, for bert_python_test.

Usage: bert_reference.py DIR

DIR holds config.json (HF format), weights.pt (a dict of tensors under HF BertForPreTraining
names), and raw little-endian int64 inputs: input_ids.bin, token_type_ids.bin,
attention_mask.bin (each B*T values, shape given by shape.txt "B T") and masked.bin (flat
indices b*T+t). Writes raw float32 sequence_output.bin [B,T,H], pooled_output.bin [B,H],
mlm_logits.bin [N,V] and nsp_logits.bin [B,2]. Fails (exit 1) when the state dict's keys are
not exactly HF's BertForPreTraining keys without the tied decoder, in HF's order.

The model is written from the BERT paper and HF's BertModel behaviour: embeddings summed then
LayerNorm; per layer softmax(QK^T/sqrt(d) + (1 - mask) * finfo.min) V, dense, residual,
LayerNorm, erf GELU FFN, residual, LayerNorm; tanh pooler on the first token; the MLM head is
dense, GELU, LayerNorm, then the word embedding matrix transposed plus a bias.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def hf_keys(layers):
    keys = ["bert.embeddings." + k for k in (
        "word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight",
        "LayerNorm.weight", "LayerNorm.bias")]
    for i in range(layers):
        for module in ("attention.self.query", "attention.self.key", "attention.self.value",
                       "attention.output.dense", "attention.output.LayerNorm",
                       "intermediate.dense", "output.dense", "output.LayerNorm"):
            keys += [f"bert.encoder.layer.{i}.{module}.weight",
                     f"bert.encoder.layer.{i}.{module}.bias"]
    keys += ["bert.pooler.dense.weight", "bert.pooler.dense.bias", "cls.predictions.bias"]
    for module in ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
                   "cls.seq_relationship"):
        keys += [module + ".weight", module + ".bias"]
    return keys


def main(directory):
    path = lambda name: os.path.join(directory, name)
    with open(path("config.json"), encoding="utf-8") as f:
        config = json.load(f)
    if config["model_type"] != "bert" or config["architectures"] != ["BertForPreTraining"]:
        fail("config.json is not a BertForPreTraining config: %r" % config)
    if config["hidden_act"] != "gelu":
        fail("this reference implements the exact GELU only")
    H = config["hidden_size"]
    heads = config["num_attention_heads"]
    d = H // heads
    eps = config["layer_norm_eps"]
    layers = config["num_hidden_layers"]

    sd = torch.load(path("weights.pt"))
    if list(sd.keys()) != hf_keys(layers):
        fail("state-dict keys differ from HF's: %r" % list(sd.keys()))
    word = sd["bert.embeddings.word_embeddings.weight"]
    if list(word.shape) != [config["vocab_size"], H]:
        fail("word embeddings shape %r" % (list(word.shape),))

    with open(path("shape.txt"), encoding="utf-8") as f:
        B, T = (int(v) for v in f.read().split())
    read = lambda name: torch.from_numpy(np.fromfile(path(name), dtype="<i8"))
    ids = read("input_ids.bin").view(B, T)
    types = read("token_type_ids.bin").view(B, T)
    mask = read("attention_mask.bin").view(B, T)
    masked = read("masked.bin")

    def linear(x, name):
        return F.linear(x, sd[name + ".weight"], sd[name + ".bias"])

    def layer_norm(x, name):
        return F.layer_norm(x, (H,), sd[name + ".weight"], sd[name + ".bias"], eps)

    def gelu(x):
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

    def split_heads(x):
        return x.view(B, T, heads, d).permute(0, 2, 1, 3)

    with torch.no_grad():
        x = (word[ids] + sd["bert.embeddings.token_type_embeddings.weight"][types]
             + sd["bert.embeddings.position_embeddings.weight"][torch.arange(T)])
        x = layer_norm(x, "bert.embeddings.LayerNorm")
        bias = (1.0 - mask.float())[:, None, None, :] * torch.finfo(torch.float32).min
        for i in range(layers):
            p = f"bert.encoder.layer.{i}."
            q = split_heads(linear(x, p + "attention.self.query"))
            k = split_heads(linear(x, p + "attention.self.key"))
            v = split_heads(linear(x, p + "attention.self.value"))
            probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
            context = (probs @ v).permute(0, 2, 1, 3).reshape(B, T, H)
            a = layer_norm(linear(context, p + "attention.output.dense") + x,
                           p + "attention.output.LayerNorm")
            f = linear(gelu(linear(a, p + "intermediate.dense")), p + "output.dense")
            x = layer_norm(f + a, p + "output.LayerNorm")
        pooled = torch.tanh(linear(x[:, 0], "bert.pooler.dense"))
        selected = x.reshape(B * T, H)[masked]
        t = layer_norm(gelu(linear(selected, "cls.predictions.transform.dense")),
                       "cls.predictions.transform.LayerNorm")
        mlm = t @ word.t() + sd["cls.predictions.bias"]
        nsp = linear(pooled, "cls.seq_relationship")

    for name, tensor in (("sequence_output", x), ("pooled_output", pooled),
                         ("mlm_logits", mlm), ("nsp_logits", nsp)):
        tensor.contiguous().numpy().astype("<f4").tofile(path(name + ".bin"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail(__doc__)
    main(sys.argv[1])
