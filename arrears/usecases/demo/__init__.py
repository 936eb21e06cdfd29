"""The demo: realistic, deterministic portfolios, loaded through the import, plus demo users."""
