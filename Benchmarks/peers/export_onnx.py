"""Exports a sentence-transformers folder's BERT to ONNX (last_hidden_state), for the ONNX Runtime peer.

usage: python export_onnx.py MODEL_DIR OUT.onnx   (needs torch + transformers; offline)
"""
import sys

import torch
from transformers import AutoModel

model_dir, out = sys.argv[1], sys.argv[2]
bert = AutoModel.from_pretrained(model_dir).eval()


class LastHiddenState(torch.nn.Module):
    """Keyword arguments only: BertModel.forward's positional order changes between versions."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state


model = LastHiddenState(bert).eval()
ids = torch.ones(1, 8, dtype=torch.long)
axes = {0: "batch", 1: "sequence"}
torch.onnx.export(
    model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), out,
    input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
    dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
    opset_version=17, dynamo=False)
print(out)
