"""The webhook receiver: verify the raw bytes, parse with the adapter, record, answer. Never calls out."""
