"""Benchmarks: Gongzhi's code paths against a raw baseline, measured in one run (``make bench``)."""
