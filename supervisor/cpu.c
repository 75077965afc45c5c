/*
 * CPU placement: the tracer and the thread it serves on the same CPU.
 *
 * Every emulated access is a round trip target -> tracer -> target.  On
 * one CPU each wake-up is a direct switch; on two CPUs each one has to
 * wake an idle CPU, which costs an order of magnitude more on virtual
 * machines (doc/DESIGN.md, section 10).  So by default regmap-run pins itself
 * and the program (which passes the mask on to its threads and children)
 * to the CPU regmap-run was started on.  The price: the program's threads
 * share that CPU, which matters for programs that compute in parallel
 * and rarely touch the map; --no-pin is for them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>

#include "sup_internal.h"

int sup_cpu_place(const struct sup_config *cfg)
{
	cpu_set_t allowed, one;
	int cpu = cfg->cpu;

	if (cpu == SUP_CPU_NONE)
		return -1;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return -errno;
	if (cpu == SUP_CPU_AUTO) {
		cpu = sched_getcpu();
		if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
			/* take the first CPU we may run on */
			for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed); cpu++)
				;
		}
	}
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed))
		return -EINVAL;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		return -errno;
	return cpu;
}
