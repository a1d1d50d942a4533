"""The embedded demo: a miniature of the paper that runs on a laptop CPU."""
