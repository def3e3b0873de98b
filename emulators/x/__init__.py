"""X API v2 emulator and its synthetic world."""
