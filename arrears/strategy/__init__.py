"""Strategy versions (data), and the daily cycle runs that apply them."""
