"""Facebook Graph API emulator and its synthetic world."""
