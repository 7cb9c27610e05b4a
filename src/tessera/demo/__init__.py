"""``tessera demo``: a small multi-agent run through the real SDK clients, answered locally."""
