"""The channels: each gateway sends one message and says whether a failure is worth retrying."""
