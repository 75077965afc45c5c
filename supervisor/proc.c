/*
 * Small readers of /proc for the slow paths: fault reports, diagnosis of
 * a failed attach, the permissions of a mapping.  Never on the hot path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "near.h"
#include "sup_internal.h"

long sup_proc_status_long(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long val = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

int sup_proc_sigmask(pid_t tid, const char *key, uint64_t *mask)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			*mask = strtoull(line + klen + 1, NULL, 16);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

bool sup_proc_shadow_stack(pid_t tid)
{
	char path[64], line[256];
	bool on = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* "x86_Thread_features:\tshstk wrss" (kernels with user shadow stacks) */
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "x86_Thread_features:", 20)) {
			on = strstr(line + 20, "shstk") != NULL;
			break;
		}
	fclose(f);
	return on;
}

bool sup_proc_sig_caught(pid_t tid, int sig)
{
	uint64_t mask;

	if (sig < 1 || sig > 64 || sup_proc_sigmask(tid, "SigCgt", &mask))
		return false;
	return mask & (1ull << (sig - 1));
}

const char *sup_proc_stat_fields(pid_t tid, char *buf, size_t size)
{
	char path[64], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: the last ')' ends it */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return NULL;
	return p + 2;
}

char sup_proc_stat(pid_t tid, unsigned long *flags)
{
	char buf[512];
	const char *p = sup_proc_stat_fields(tid, buf, sizeof(buf));

	if (!p)
		return 0;
	/* after the state: ppid pgrp session tty_nr tpgid flags */
	if (flags && sscanf(p + 1, "%*d %*d %*d %*d %*d %lu", flags) != 1)
		*flags = 0;
	return p[0];
}

int sup_proc_find_mapping(pid_t pid, uint64_t addr, struct sup_mapping *m)
{
	char path[64], line[512];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end;
		char perms[5];
		int off = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s%n",
			   &start, &end, perms, &off) < 3 || off == 0)
			continue;
		if (addr < start || addr >= end)
			continue;
		m->start = start;
		m->end = end;
		memcpy(m->perms, perms, sizeof(m->perms));
		m->path[0] = '\0';
		{
			char *p = line + off;

			p += strspn(p, " \t");
			p[strcspn(p, "\n")] = '\0';
			snprintf(m->path, sizeof(m->path), "%s", p);
		}
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

int sup_proc_near(pid_t pid, struct regmap_near *n)
{
	char path[64], line[512];
	struct regmap_maps_line m;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		if (regmap_maps_parse(line, len, &m))
			regmap_near_feed(n, &m);
		/* the rest of a line longer than the buffer */
		while (line[len] != '\n' && fgets(line, sizeof(line), f))
			len = strcspn(line, "\n");
	}
	fclose(f);
	regmap_near_done(n);
	return 0;
}

int sup_proc_code(pid_t pid, uint64_t site, unsigned len)
{
	static bool no_query;	/* the kernel has no PROCMAP_QUERY */
	char path[64];
	uint64_t at = site;
	int fd, ret = REGMAP_NEAR_CODE_OK;

	if (no_query)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (at < site + len && ret == REGMAP_NEAR_CODE_OK) {
		struct regmap_procmap_query q;

		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_addr = at;
		if (ioctl(fd, REGMAP_PROCMAP_QUERY, &q) < 0) {
			no_query = errno == ENOTTY || errno == EINVAL;
			ret = errno == ENOENT ? REGMAP_NEAR_CODE_UNMAPPED : -1;
			break;
		}
		ret = regmap_near_code_flags(q.vma_flags);
		at = q.vma_end;
	}
	close(fd);
	return ret;
}
