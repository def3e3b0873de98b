"""The law's rules in one place: the requests register, resolving a request to its subject's
durable targets, applying each request type, access exports, retention, the suppression list.

Flows call this room; the command line only parses. Stored files are touched through
``lake/`` alone.
"""
