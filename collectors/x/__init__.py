"""X (Twitter) API v2 collector support: a synthetic world and a local emulator."""
