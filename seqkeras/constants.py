"""Special tokens and reserved ids, shared by every tokenizer, topology and export.

Keeping them in one module means a vocabulary file written by one stage is read the
same way by every other stage and by the served graph.
"""

PAD = "[PAD]"
UNK = "[UNK]"
START = "[START]"
END = "[END]"

#: Reserved tokens, in id order: PAD is 0 so Keras masking (``mask_zero=True``) works.
RESERVED_TOKENS = (PAD, UNK, START, END)
PAD_ID, UNK_ID, START_ID, END_ID = range(len(RESERVED_TOKENS))

SPLITS = ("train", "val", "test")

#: Name of the serving signature TF Serving calls when a request names none.
SERVING_SIGNATURE = "serving_default"
WARMUP_FILE = "tf_serving_warmup_requests"
PARITY_FILE = "seqkeras_parity.json"
EXPORT_METADATA_FILE = "seqkeras.json"
