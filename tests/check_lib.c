/*
 * Check tests of libregmap (the in-process map): the runner and helpers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_lib.h"

void lib_child_fail(int line, const char *what)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "child assertion failed at line %d: %s\n", line, what);

	if (write(STDERR_FILENO, buf, n) < 0)
		_exit(2);
	_exit(line & 0xff ? line & 0xff : 1);
}

void *lib_noaccess_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHILD_ASSERT(p != MAP_FAILED);
	return p;
}

int lib_child(void (*fn)(void *), void *arg, char *err, size_t errlen)
{
	struct rlimit nocore = { 0, 0 };
	int pfd[2], st = -1;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &nocore);
		/*
		 * The scenarios say what the previous disposition is; in a
		 * sanitizer build it would be the sanitizer's handler (which
		 * libregmap rightly passes real faults to).  A map enabled
		 * before the fork stays: that is inherited.
		 */
		if (regmap_mode() == REGMAP_MODE_OFF) {
			signal(SIGSEGV, SIG_DFL);
			signal(SIGBUS, SIG_DFL);
		}
		signal(SIGFPE, SIG_DFL);
		if (err)
			dup2(pfd[1], STDERR_FILENO);
		fn(arg);
		_exit(0);
	}
	close(pfd[1]);
	while (err && len + 1 < errlen &&
	       (n = read(pfd[0], err + len, errlen - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += n;
	}
	if (err)
		err[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (err && len)
		fprintf(stderr, "(child's stderr) %s", err);
	return st;
}

int main(void)
{
	Suite *s = suite_create("libregmap");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, lib_tcase_map());
	suite_add_tcase(s, lib_tcase_threads());
	suite_add_tcase(s, lib_tcase_chain());
	suite_add_tcase(s, lib_tcase_fault());
	sr = srunner_create(s);
	/* each test starts from a process with no handler installed */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
