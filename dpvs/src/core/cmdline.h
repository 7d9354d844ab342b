/* The daemon's command line, parsed without side effects (unit-tested). */
#ifndef DPVS_CMDLINE_H
#define DPVS_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DPVS_DEFAULT_CONF "/etc/dpvs/dpvs.conf"
#define DPVS_DEFAULT_PID "/var/run/dpvs.pid"

struct cmdline {
	const char *conf_file;
	const char *pid_file;
	const char *ipc_file;   /* NULL: from the config */
	bool test_config;
	bool version;
	bool help;
	int eal_argc;           /* arguments after "--" */
	char **eal_argv;
};

/* 0 on success; -1 with a message in err. */
int cmdline_parse(int argc, char **argv, struct cmdline *cl, char *err,
		  size_t errlen);
void cmdline_usage(const char *prog, FILE *out);

#endif
