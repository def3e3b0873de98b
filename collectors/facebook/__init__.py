"""Facebook Pages: facebook-sdk with throttling handled, the Graph wire format, Graph API files."""
