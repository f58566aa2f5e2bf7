#!/usr/bin/env python3
"""The reference side of bench/train_step_bench: one training step (forward + backward +
optimizer step) of the same model and batch in Python PyTorch eager, as a user would write it.

ResNeXt: torchvision's model, cross-entropy over 1000 classes, SGD (momentum 0.9, Nesterov,
weight decay 1e-4 except BN and biases); on CUDA channels_last + cudnn.benchmark. The wsl demo
model is torchvision's ResNet with the toolkit's resnext_tiny shape (16-wide stem and stages).
BERT: embeddings + encoder + MLM head at the masked positions (15%) + NSP head, AdamW (weight
decay 0.01 except biases and LayerNorm). --impl encoder uses torch.nn.TransformerEncoder with
BERT's dimensions (post-norm, GELU); --impl hf uses transformers' BertForPreTraining modules;
auto picks hf where transformers is installed. bf16 autocast when --precision bf16.

Prints the median step's throughput: "train_step samples_per_s=<value>".
"""
import argparse
import statistics
import time

import torch
from torch import nn

MASKED_FRACTION = 0.15


def tiny_resnext(num_classes):
    from torchvision.models.resnet import Bottleneck, ResNet
    model = ResNet(Bottleneck, [1, 1, 1, 1], groups=4, width_per_group=4, num_classes=num_classes)
    # torchvision hard-codes a 64-wide stem and stages; resnext_tiny uses 16 << stage.
    model.inplanes = 16
    model.conv1 = nn.Conv2d(3, 16, kernel_size=7, stride=2, padding=3, bias=False)
    model.bn1 = nn.BatchNorm2d(16)
    model.layer1 = model._make_layer(Bottleneck, 16, 1)
    model.layer2 = model._make_layer(Bottleneck, 32, 1, stride=2)
    model.layer3 = model._make_layer(Bottleneck, 64, 1, stride=2)
    model.layer4 = model._make_layer(Bottleneck, 128, 1, stride=2)
    model.fc = nn.Linear(128 * Bottleneck.expansion, num_classes)
    return model


def vision_model(name):
    import torchvision
    if name == 'wsl-demo':
        return tiny_resnext(100), 100
    return getattr(torchvision.models, name)(num_classes=1000), 1000


class EncoderBert(nn.Module):
    """BERT pretraining model on torch.nn.TransformerEncoder."""

    def __init__(self, vocab, hidden, layers, heads, ffn, positions=512, dropout=0.1):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout, activation='gelu',
                                           layer_norm_eps=1e-12, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.pooler = nn.Linear(hidden, hidden)
        self.transform = nn.Linear(hidden, hidden)
        self.transform_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.mlm_bias = nn.Parameter(torch.zeros(vocab))
        self.nsp = nn.Linear(hidden, 2)

    def forward(self, ids, types, mask, positions):
        t = ids.shape[1]
        x = self.word(ids) + self.position(torch.arange(t, device=ids.device)) + self.token_type(types)
        x = self.encoder(self.dropout(self.embedding_norm(x)), src_key_padding_mask=mask == 0)
        picked = torch.gather(x, 1, positions.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        h = self.transform_norm(nn.functional.gelu(self.transform(picked.flatten(0, 1))))
        mlm = h @ self.word.weight.t() + self.mlm_bias  # tied decoder, as BERT's
        nsp = self.nsp(torch.tanh(self.pooler(x[:, 0])))
        return mlm, nsp


class HfBert(nn.Module):
    """transformers' BertForPreTraining with the MLM head applied at the masked positions only."""

    def __init__(self, vocab, hidden, layers, heads, ffn):
        super().__init__()
        from transformers import BertConfig, BertForPreTraining
        config = BertConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                            num_attention_heads=heads, intermediate_size=ffn)
        self.model = BertForPreTraining(config)

    def forward(self, ids, types, mask, positions):
        out = self.model.bert(input_ids=ids, token_type_ids=types, attention_mask=mask)
        x = out.last_hidden_state
        picked = torch.gather(x, 1, positions.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        mlm = self.model.cls.predictions(picked.flatten(0, 1))
        nsp = self.model.cls.seq_relationship(out.pooler_output)
        return mlm, nsp


def bert_model(name, impl):
    dims = (4000, 128, 2, 2, 512) if name == 'bert-demo' else (30522, 768, 12, 12, 3072)
    if impl == 'auto':
        try:
            import transformers  # noqa: F401
            impl = 'hf'
        except ImportError:
            impl = 'encoder'
    return (HfBert(*dims) if impl == 'hf' else EncoderBert(*dims)), dims[0]


def groups(model, no_decay, decay):
    with_decay, without = [], []
    for name, p in model.named_parameters():
        (without if any(s in name for s in no_decay) else with_decay).append(p)
    return [{'params': with_decay, 'weight_decay': decay}, {'params': without, 'weight_decay': 0.0}]


def main():
    parser = argparse.ArgumentParser()
    for flag, kind in [('--model', str), ('--batch', int), ('--image-size', int),
                       ('--seq-length', int), ('--steps', int), ('--warmup', int),
                       ('--threads', int), ('--device', str), ('--precision', str), ('--impl', str)]:
        parser.add_argument(flag, type=kind, required=True)
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    device = torch.device(a.device)
    n = a.batch
    if a.model.startswith('resnext') or a.model == 'wsl-demo':
        model, classes = vision_model(a.model)
        images = torch.randn(n, 3, a.image_size, a.image_size)
        labels = torch.randint(classes, (n,), device=device)
        if device.type == 'cuda':
            torch.backends.cudnn.benchmark = True
            model = model.to(memory_format=torch.channels_last)
            images = images.contiguous(memory_format=torch.channels_last)
        model.to(device)
        images = images.to(device)
        optimizer = torch.optim.SGD(groups(model, ['bn', 'bias'], 1e-4), lr=0.1, momentum=0.9,
                                    nesterov=True)
        loss_fn = nn.CrossEntropyLoss()

        def loss_of():
            return loss_fn(model(images).float(), labels)
    else:
        model, vocab = bert_model(a.model, a.impl)
        model.to(device)
        t, p = a.seq_length, max(1, int(MASKED_FRACTION * a.seq_length + 0.5))
        ids = torch.randint(vocab, (n, t), device=device)
        types = torch.cat([torch.zeros(n, t // 2), torch.ones(n, t - t // 2)], 1).long().to(device)
        mask = torch.ones(n, t, dtype=torch.long, device=device)
        positions = torch.argsort(torch.rand(n, t), 1)[:, :p].contiguous().to(device)
        mlm_labels = torch.randint(vocab, (n * p,), device=device)
        nsp_labels = torch.randint(2, (n,), device=device)
        optimizer = torch.optim.AdamW(groups(model, ['bias', 'LayerNorm', 'norm'], 0.01), lr=1e-4,
                                      eps=1e-6)
        ce = nn.CrossEntropyLoss()

        def loss_of():
            mlm, nsp = model(ids, types, mask, positions)
            return ce(mlm.float(), mlm_labels) + ce(nsp.float(), nsp_labels)

    model.train()
    autocast = a.precision == 'bf16' and device.type == 'cuda'

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = loss_of()
        loss.backward()
        optimizer.step()
        return loss.item()  # waits for the device

    for _ in range(a.warmup):
        step()
    seconds = []
    for _ in range(a.steps):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    print(f'train_step samples_per_s={n / statistics.median(seconds):.4f}')


if __name__ == '__main__':
    main()
