/* etf_decode.c: being written */
