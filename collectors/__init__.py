"""One room per platform: the real client, its wire format and files, and the source that walks the API."""
