"""export_onnx.py for models whose forward takes no token_type_ids (MPNet: all-mpnet-base-v2).

usage: python export_onnx_mpnet.py MODEL_DIR OUT.onnx   (needs torch + transformers; offline)
Same output as export_onnx.py (last_hidden_state, opset 17, dynamic batch and sequence), inputs input_ids and
attention_mask only. bench_peers.py feeds token_type_ids unconditionally, so this export serves
accuracy_int8.py (which feeds the inputs the graph declares), not the speed runs.
"""
import sys

import torch
from transformers import AutoModel

model_dir, out = sys.argv[1], sys.argv[2]
encoder = AutoModel.from_pretrained(model_dir).eval()


class LastHiddenState(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


model = LastHiddenState(encoder).eval()
ids = torch.full((1, 8), 5, dtype=torch.long)
axes = {0: "batch", 1: "sequence"}
torch.onnx.export(
    model, (ids, torch.ones_like(ids)), out,
    input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
    dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
    opset_version=17, dynamo=False)
print(out)
