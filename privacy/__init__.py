"""The sieve: what of the collected data may be kept, and in what form."""
