"""Fine-tune a line-text recogniser pretrained on real text (PP-OCR, from rapidocr's wheel) into
the plate OCR `edge.ocr`'s `ctc` backend runs: convert, render training crops, train, export.

Training tooling only: nothing under `edge/` imports it. Needs the `train` extra plus torch and
onnx2torch (see `python -m edge_tools.ctc_ocr.train --help`).
"""
