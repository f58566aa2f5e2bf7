"""sentencepiece reference for tokenize_bench: the prepare script a user would write in Python.
Reads a sentence-per-line corpus (blank line between documents), encodes every sentence with
one SentencePieceProcessor.encode call on a list (sentencepiece's own C++ thread pool, THREADS
threads), then packs the ids into sequences of at most MAX_LEN tokens with a plain loop, by the
rule of pretrainkit's ContiguousPacker, so both sides make the same sequences. Prints one line:
`sentencepiece threads=T bytes=B sequences=S tokens=N seconds=X mb_per_s=M`.

usage: tokenize_reference.py MODEL CORPUS THREADS MAX_LEN
"""
import os
import sys
import time

import sentencepiece

# What pretrainkit's DocumentReader trims; str.strip() would also take Unicode spaces.
WHITESPACE = " \t\r\n\f\v"


def read_documents(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    documents, sentences = [], []
    for line in text.split("\n"):
        line = line.strip(WHITESPACE)
        if line:
            sentences.append(line)
        elif sentences:
            documents.append(sentences)
            sentences = []
    if sentences:
        documents.append(sentences)
    return documents


def pack(documents, cls, sep, max_len):
    """[CLS] s1 s2 ... [SEP], across documents with a [SEP] between them, as RoBERTa's
    FULL-SENTENCES; a sentence longer than a sequence is cut into full-length pieces."""
    budget = max_len - 2
    sequences = []
    current = []

    def emit():
        if current and current[-1] == sep:
            current.pop()
        if current:
            sequences.append([cls] + current + [sep])
        current.clear()

    for document in documents:
        if current:
            if len(current) + 1 >= budget:
                emit()
            else:
                current.append(sep)
        for ids in document:
            if current and len(current) + len(ids) > budget:
                emit()
            while len(ids) > budget:
                current.extend(ids[:budget])
                emit()
                ids = ids[budget:]
            current.extend(ids)
    emit()
    return sequences


def main():
    model, corpus, threads, max_len = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sp = sentencepiece.SentencePieceProcessor(model_file=model)
    cls, sep = sp.piece_to_id("[CLS]"), sp.piece_to_id("[SEP]")

    start = time.perf_counter()
    documents = read_documents(corpus)
    flat = [sentence for document in documents for sentence in document]
    encoded = sp.encode(flat, num_threads=threads)
    tokenized, at = [], 0
    for document in documents:
        ids = [s for s in encoded[at:at + len(document)] if s]  # drop sentences without tokens
        at += len(document)
        if ids:
            tokenized.append(ids)
    sequences = pack(tokenized, cls, sep, max_len)
    seconds = time.perf_counter() - start

    size = sum(len(s) for s in sequences)
    nbytes = os.path.getsize(corpus)
    print(f"sentencepiece threads={threads} bytes={nbytes} sequences={len(sequences)} "
          f"tokens={size} seconds={seconds:.4f} mb_per_s={nbytes / seconds / 1e6:.3f}")


if __name__ == "__main__":
    main()
