"""Local stand-ins for the platforms' APIs and the synthetic worlds they serve.

The real clients in ``collectors/`` talk HTTP to these exactly as to the platforms, so the
demo, the tests and an analyst trying an engagement file need no credentials and no network.
"""
