# tests/proto.mk: filled in by its part
