"""One small answering strategy per intent kind; the router picks one for each `Intent`."""
