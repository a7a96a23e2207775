"""edge-alpr's tooling: synthetic data, training and validation, benchmarks, the chaos harness.

Apart from the product: nothing under ``edge/`` imports this package (a test checks it), and its
dependencies (Pillow for the plate fonts) come with an extra, not with the runtime install::

    pip install -e '.[train]'      # or '.[dev]', which includes it; scripts/setup.sh --dev does this

Layout:
    synth/          the synthetic plate and roadside-clip renderer (ground truth, OCR crops)
    validate, tracker_lab, make_ocr_clip_crops, export_ultralytics_detector, quantize_detector
                    command-line tools other tools or the tests import: ``python -m edge_tools.validate``
    harness/        real services and attacks shared by tests, benchmarks and the chaos suite:
                    a TLS Mosquitto with its PKI, an MJPEG HTTP camera, an attacker's ledger edits
    chaos/          the chaos scenarios, shared by tests/chaos (short form) and scripts/chaos.py

The standalone tools stay in ``scripts/`` and import ``edge`` and ``edge_tools`` as installed packages
(an editable install: the tools find ``models/``, ``data/`` and ``samples/`` beside this folder).
"""
