# tests/client.mk: filled in by its part
