// Private to core.
