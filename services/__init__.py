"""Senja's nameko services. Import sub-packages as ``services.queue`` etc.:
``services/`` itself must never be on sys.path (``queue`` would shadow the stdlib)."""
