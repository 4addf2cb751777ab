"""Competitor watch (竞品动态 / 竞品对比): pure cores.

- ``topics``: hot topics (jieba segmentation, words and phrases rising against a baseline);
- ``engagement``: interaction rate normalised by followers and post age, and its ranking;
- ``compare``: the SQL of the own-vs-competitor comparison on three axes (data performance,
  content production, operating preference), shared by the 竞品监测 board and the tests.
"""
