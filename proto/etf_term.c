/* etf_term.c: being written */
