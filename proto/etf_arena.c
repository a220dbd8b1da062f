/* etf_arena.c: being written */
