# tests/daemon.mk: filled in by its part
