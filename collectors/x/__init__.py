"""X (Twitter) API v2: tweepy with faults handled, the wire format, twarc2 files, compliance jobs."""
