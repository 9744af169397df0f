"""Runs tasks one after the other in this process (the reference: other executors must match it)."""

from __future__ import annotations


class SerialExecutor:
    name = "serial"

    def __init__(self, workers=None, scheduler=None):
        self.workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map_unordered(self, function, tasks):
        for task in tasks:
            yield function(task)
