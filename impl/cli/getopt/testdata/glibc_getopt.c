/* The oracle for package getopt's tests: runs glibc's getopt_long and
 * prints what it returns.
 *
 * Usage: glibc_getopt SHORTS LONGS ARGV0 [ARG...]
 * LONGS is a comma-separated list of NAME/KIND/ID (KIND 0 none, 1 required,
 * 2 optional). Prints one line per option ("ID arg=[ARG]" or "ID noarg"),
 * then one "operand [ARG]" line per operand; glibc writes its own error
 * messages to stderr. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
	if (argc < 4)
		return 2;
	struct option *longs = calloc(strlen(argv[2]) + 2, sizeof(struct option));
	int n = 0;
	for (char *spec = strtok(argv[2], ","); spec; spec = strtok(NULL, ",")) {
		char *kind = strchr(spec, '/');
		char *id = strrchr(spec, '/');
		if (!kind || kind == id)
			return 2;
		*kind = *id = '\0';
		longs[n++] = (struct option){spec, atoi(kind + 1), NULL, atoi(id + 1)};
	}
	const char *shorts = argv[1];
	int c;
	argc -= 3;
	argv += 3;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) >= 0) {
		if (optarg)
			printf("%d arg=[%s]\n", c, optarg);
		else
			printf("%d noarg\n", c);
	}
	for (int i = optind; i < argc; i++)
		printf("operand [%s]\n", argv[i]);
	return 0;
}
