"""Matplotlib figures for the chapters: one module per topic, no maths of their own."""
