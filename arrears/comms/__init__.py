"""Communications: templates, the outbox, the dispatcher and the channels that carry messages."""
