"""Exports a sentence-transformers folder's encoder to ONNX (last_hidden_state), for the ONNX Runtime peer.

usage: python export_onnx.py MODEL_DIR OUT.onnx   (needs torch + transformers; offline)
Inputs input_ids, attention_mask and, for encoders that take them (BERT, not MPNet), token_type_ids;
bench_peers.py and accuracy_int8.py feed the inputs the graph declares.
"""
import inspect
import sys

import torch
from transformers import AutoModel

model_dir, out = sys.argv[1], sys.argv[2]
encoder = AutoModel.from_pretrained(model_dir).eval()
with_types = "token_type_ids" in inspect.signature(encoder.forward).parameters


class LastHiddenState(torch.nn.Module):
    """Keyword arguments only: the encoders' forward's positional order changes between versions."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask, *types):
        extra = {"token_type_ids": types[0]} if types else {}
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state


model = LastHiddenState(encoder).eval()
ids = torch.full((1, 8), 5, dtype=torch.long)
axes = {0: "batch", 1: "sequence"}
inputs = (ids, torch.ones_like(ids)) + ((torch.zeros_like(ids),) if with_types else ())
names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
torch.onnx.export(
    model, inputs, out, input_names=names, output_names=["last_hidden_state"],
    dynamic_axes={name: axes for name in names + ["last_hidden_state"]}, opset_version=17, dynamo=False)
print(out)
