# tests/fuzz.mk: filled in by its part
