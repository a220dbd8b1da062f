/* etf_encode.c: being written */
