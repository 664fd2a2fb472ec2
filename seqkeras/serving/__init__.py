"""Serving: versioned exports, TF Serving warmup requests and the C++ loader check."""
