"""Reference values for pretrainkit's metrics from scikit-learn and scipy.

usage: glue_metrics_reference.py DIR
Reads every DIR/<name>.cls.tsv (lines "label<TAB>prediction", integer class ids) and
DIR/<name>.reg.tsv (lines "x<TAB>y", floats) and prints one line per metric:
  <name> <metric> <value, repr of the float>
classification: accuracy, f1 (binary files only: classes 0/1), mcc; regression: pearson,
spearman. Undefined values print as nan.
"""
import glob
import math
import os
import sys
import warnings

from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef


def read_columns(path, kind):
    first, second = [], []
    with open(path) as f:
        for line in f:
            a, b = line.rstrip("\n").split("\t")
            first.append(kind(a))
            second.append(kind(b))
    return first, second


def main():
    root = sys.argv[1]
    warnings.simplefilter("ignore")  # undefined metrics warn; their values are what we test
    for path in sorted(glob.glob(os.path.join(root, "*.cls.tsv"))):
        name = os.path.basename(path)[: -len(".cls.tsv")]
        labels, predictions = read_columns(path, int)
        print(name, "accuracy", repr(float(accuracy_score(labels, predictions))))
        if set(labels) | set(predictions) <= {0, 1}:
            print(name, "f1", repr(float(f1_score(labels, predictions))))
        print(name, "mcc", repr(float(matthews_corrcoef(labels, predictions))))
    for path in sorted(glob.glob(os.path.join(root, "*.reg.tsv"))):
        name = os.path.basename(path)[: -len(".reg.tsv")]
        x, y = read_columns(path, float)
        print(name, "pearson", repr(float(pearsonr(x, y)[0])))
        print(name, "spearman", repr(float(spearmanr(x, y)[0])))


if __name__ == "__main__":
    main()
