# tests/storage.mk: filled in by its part
