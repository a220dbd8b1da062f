/*
 * spawner.h: the process that forks list servers (see spawner.c).
 */
#ifndef TODOD_SPAWNER_H
#define TODOD_SPAWNER_H

struct todod_config;

void	spawner_main(const struct todod_config *) __attribute__((noreturn));

#endif /* TODOD_SPAWNER_H */
