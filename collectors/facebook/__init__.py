"""Facebook Pages: a synthetic world and a local Graph API emulator for offline tests."""
