"""One room per platform: the real client, its wire format, and a local emulator of its API."""
