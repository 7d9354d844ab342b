/* Command-line parsing for dpvs. */
#include "cmdline.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const struct option long_opts[] = {
	{ "conf", required_argument, NULL, 'c' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "ipc-file", required_argument, NULL, 'x' },
	{ "test-config", no_argument, NULL, 't' },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void cmdline_usage(const char *prog, FILE *out)
{
	fprintf(out,
"Usage: %s [OPTIONS] [-- EAL-ARGS...]\n"
"\n"
"dpvs is the DPDK forwarding daemon of the dpvs load balancer.  It runs in\n"
"the foreground (as systemd expects), serves its control socket and stops\n"
"cleanly on SIGTERM or SIGINT.  SIGHUP reloads the configuration file:\n"
"reloadable keys take effect and are logged, changed start-only keys are\n"
"reported and wait for a restart.\n"
"\n"
"Options:\n"
"  -c, --conf FILE       configuration file (default %s)\n"
"  -p, --pid-file FILE   pid file (default %s)\n"
"  -x, --ipc-file PATH   control socket (default: ctrl.ipc_file of the\n"
"                        config, itself defaulting to /var/run/dpvs.ipc)\n"
"  -t, --test-config     check the configuration, print every problem\n"
"                        (file:line: key: what is wrong) or OK, then the\n"
"                        start-up checks (hugepages, PCI drivers, vfio,\n"
"                        lcores vs CPUs, memory for the pools), and exit\n"
"                        with status 0 (OK) or 1\n"
"  -v, --version         print the version and exit\n"
"  -h, --help            print this help and exit\n"
"\n"
"EAL arguments follow \"--\" and are appended to global.eal_args of the\n"
"config.  Unless they give -l/-c/--lcores, dpvs derives the lcore list\n"
"from the workers section; unless they give --main-lcore, it uses\n"
"workers.master_lcore.  On machines without hugepages use\n"
"\"--no-huge -m 512 --file-prefix NAME\".\n"
"\n"
"Exit status: 0 after a clean stop, 1 on a configuration or start-up\n"
"error (a second instance on the same control socket, a failed start-up\n"
"check included: each printed with its fix).\n"
"\n"
"See dpvs(8) in docs/dpvs.md and conf/dpvs.conf.sample.\n",
		prog, DPVS_DEFAULT_CONF, DPVS_DEFAULT_PID);
}

int cmdline_parse(int argc, char **argv, struct cmdline *cl, char *err,
		  size_t errlen)
{
	int c;

	memset(cl, 0, sizeof(*cl));
	cl->conf_file = DPVS_DEFAULT_CONF;
	cl->pid_file = DPVS_DEFAULT_PID;
	optind = 0; /* glibc: 0 also resets its state inside "-abc" groups */
	opterr = 0;
	/* '+': stop at the first non-option so "--" hands the rest to EAL. */
	while ((c = getopt_long(argc, argv, "+:c:p:x:tvh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cl->conf_file = optarg;
			break;
		case 'p':
			cl->pid_file = optarg;
			break;
		case 'x':
			cl->ipc_file = optarg;
			break;
		case 't':
			cl->test_config = true;
			break;
		case 'v':
			cl->version = true;
			break;
		case 'h':
			cl->help = true;
			break;
		case ':':
			if (optopt && strncmp(argv[optind - 1], "--", 2))
				snprintf(err, errlen, "option -%c needs an argument",
					 optopt);
			else
				snprintf(err, errlen, "option %s needs an argument",
					 argv[optind - 1]);
			return -1;
		default:
			/* Inside "-zt" optind has not moved: name the letter. */
			if (optopt && strncmp(argv[optind - 1], "--", 2))
				snprintf(err, errlen, "unknown option '-%c' (see "
					 "--help)", optopt);
			else
				snprintf(err, errlen, "unknown option '%s' (see "
					 "--help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		snprintf(err, errlen, "unexpected argument '%s' (EAL arguments "
			 "go after \"--\")", argv[optind]);
		return -1;
	}
	cl->eal_argc = argc - optind;
	cl->eal_argv = argv + optind;
	return 0;
}
