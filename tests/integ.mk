# tests/integ.mk: filled in by its part
