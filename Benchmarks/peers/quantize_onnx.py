"""Dynamic int8 quantization of an exported model with ONNX Runtime, for the int8 ONNX Runtime peer.

usage: python quantize_onnx.py IN.onnx OUT.onnx [--no-per-channel] [--reduce-range]
                                                [--matmul-const-b-only]
The defaults mirror sentence-transformers' `export_dynamic_quantized_onnx_model(model, "avx512_vnni")`
(sentence_transformers/backend/quantize.py), the configuration behind the `onnx/model_qint8_avx512_vnni.onnx`
files next to sentence-transformers models, which goes through optimum's
`AutoQuantizationConfig.avx512_vnni(is_static=False)` and `ORTQuantizer.quantize`:
  - weights int8 (QInt8), symmetric; activations uint8 (QUInt8), asymmetric, quantized at run time;
  - per_channel=True (one scale per output column of every MatMul weight), reduce_range=False
    (full 8 bits: VNNI, and any AVX2 machine with the u8 x s8 kernels, has no saturation issue);
  - operators: all of ONNX Runtime's IntegerOps registry (MatMul, Gather, Transpose, Conv, Attention, LSTM,
    EmbedLayerNormalization); in a BERT export that means the MatMuls (MatMulInteger + DynamicQuantizeLinear).
  - optimum calls ONNXQuantizer directly without the `MatMulConstBOnly` option, so the two activation x
    activation MatMuls of each attention layer (Q.K^T and P.V) are quantized as well, with both sides
    quantized at run time. `onnxruntime.quantization.quantize_dynamic` on its own sets MatMulConstBOnly=True
    (weights only); `--matmul-const-b-only` gives that.
(avx2 in optimum differs only by uint8 weights, avx512 by allowing reduce_range, arm64 is the same as avx512_vnni.)
fastembed does not quantize itself: it downloads such pre-quantized files.
"""
import argparse
import os

from onnxruntime.quantization import QuantType, quantize_dynamic

p = argparse.ArgumentParser()
p.add_argument("src"); p.add_argument("dst")
p.add_argument("--no-per-channel", action="store_true", help="one scale per weight matrix (quantize_dynamic's default)")
p.add_argument("--reduce-range", action="store_true", help="7-bit weights (for AVX512 machines without VNNI)")
p.add_argument("--matmul-const-b-only", action="store_true",
               help="quantize only MatMuls with a constant (weight) operand, as quantize_dynamic does by default")
a = p.parse_args()

quantize_dynamic(
    a.src, a.dst,
    weight_type=QuantType.QInt8,
    per_channel=not a.no_per_channel,
    reduce_range=a.reduce_range,
    extra_options={"WeightSymmetric": True, "ActivationSymmetric": False,
                   "MatMulConstBOnly": a.matmul_const_b_only},
)
print(f"{a.dst}: {os.path.getsize(a.src) / 1e6:.1f} MB -> {os.path.getsize(a.dst) / 1e6:.1f} MB")
