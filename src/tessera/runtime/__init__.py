"""The runtime that watches agents: runs, tasks, and instrumented model calls."""
