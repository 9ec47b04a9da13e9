// SPDX-License-Identifier: GPL-2.0
/*
 * RAPL meter: the package and DRAM energy status MSRs of Intel and AMD
 * processors, read on one CPU of each package.
 *
 * The counters are 32 bits wide in units of 2^-ESU J (ESU from the
 * power-unit MSR, typically 61 uJ), so at 1 kW they wrap every ~260 s;
 * sampling at 10 s or faster keeps every interval to at most one wrap.
 * Intel's server parts count DRAM energy in a fixed unit of 2^-16 J
 * (15.3 uJ) whatever the power-unit MSR says; the models below are the
 * ones the kernel's intel_rapl driver gives that unit.
 *
 * AMD (family 17h on) has package energy, no DRAM domain; it is read
 * per package (socket) here, as on Intel.  Packages made of several dies
 * (AMD chiplets, Intel multi-die Xeons) report one package counter for
 * the socket, which is what is attributed; a die-level split is not.
 * A package counter that faults on read hands the ledger over to the
 * power model (see pwrmig_sample_checked()).
 */
#include <linux/cpumask.h>
#include <linux/topology.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "pwrmig.h"

#ifndef MSR_AMD_RAPL_POWER_UNIT
#define MSR_AMD_RAPL_POWER_UNIT		0xc0010299
#endif
#ifndef MSR_AMD_PKG_ENERGY_STATUS
#define MSR_AMD_PKG_ENERGY_STATUS	0xc001029b
#endif

/* A package draws at most this much; faster counting means a reset. */
#define PWRMIG_RAPL_MAX_WATTS		2000

static u32 rapl_unit_msr, rapl_msr[PWRMIG_NR_MDOMS];

/* Intel models whose DRAM energy unit is fixed at 2^-16 J (intel_rapl). */
static const u8 rapl_dram_fixed_models[] = {
	0x3f,	/* Haswell-X */
	0x4f,	/* Broadwell-X */
	0x55,	/* Skylake-X, Cascade Lake, Cooper Lake */
	0x57,	/* Xeon Phi Knights Landing */
	0x6a,	/* Ice Lake-X */
	0x6c,	/* Ice Lake-D */
	0x85,	/* Xeon Phi Knights Mill */
	0x8f,	/* Sapphire Rapids-X */
	0xcf,	/* Emerald Rapids-X */
};

#define RAPL_DRAM_FIXED_ESU	16

static bool rapl_dram_unit_fixed(void)
{
	unsigned int i;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL || boot_cpu_data.x86 != 6)
		return false;
	for (i = 0; i < ARRAY_SIZE(rapl_dram_fixed_models); i++)
		if (boot_cpu_data.x86_model == rapl_dram_fixed_models[i])
			return true;
	return false;
}

static void rapl_pick_msrs(void)
{
	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_INTEL:
		rapl_unit_msr = MSR_RAPL_POWER_UNIT;
		rapl_msr[PWRMIG_MDOM_PKG] = MSR_PKG_ENERGY_STATUS;
		rapl_msr[PWRMIG_MDOM_DRAM] = MSR_DRAM_ENERGY_STATUS;
		break;
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		rapl_unit_msr = MSR_AMD_RAPL_POWER_UNIT;
		rapl_msr[PWRMIG_MDOM_PKG] = MSR_AMD_PKG_ENERGY_STATUS;
		rapl_msr[PWRMIG_MDOM_DRAM] = 0;
		break;
	default:
		rapl_unit_msr = 0;
	}
}

/*
 * RAPL is present when the vendor's power-unit MSR reads.  Virtual
 * machines usually fault on it (rdmsrl_safe catches the #GP).
 */
bool pwrmig_rapl_present(void)
{
	u64 unit;

	rapl_pick_msrs();
	return rapl_unit_msr && !rdmsrl_safe(rapl_unit_msr, &unit) && unit;
}

static int rapl_cpu_of(unsigned int pkg)
{
	int cpu;

	for_each_online_cpu(cpu)
		if (topology_logical_package_id(cpu) == pkg)
			return cpu;
	return -ENODEV;
}

static int rapl_start(struct pwrmig_meter *m)
{
	unsigned int esu, pkg;
	int cpu;
	u64 unit, v;

	if (!pwrmig_rapl_present())
		return -ENODEV;
	if (rdmsrl_safe(rapl_unit_msr, &unit))
		return -EIO;
	/* Some hypervisors pass the unit MSR through but not the counters. */
	for (pkg = 0; pkg < topology_max_packages(); pkg++) {
		cpu = rapl_cpu_of(pkg);
		if (cpu >= 0 && rdmsrl_safe_on_cpu(cpu, rapl_msr[PWRMIG_MDOM_PKG], &v))
			return -EIO;
	}
	esu = (unit >> 8) & 0x1f;
	m->uj_num = 1000000;
	m->uj_den = 1ULL << esu;
	m->uj_den_dram = rapl_dram_unit_fixed() ? 1ULL << RAPL_DRAM_FIXED_ESU : 0;
	m->max_rate_per_s = (u64)PWRMIG_RAPL_MAX_WATTS << esu;
	return 0;
}

static int rapl_read(struct pwrmig_meter *m, unsigned int pkg,
		     unsigned int dom, u64 *raw)
{
	int cpu = rapl_cpu_of(pkg);
	u64 v;

	if (cpu < 0)
		return cpu;
	if (!rapl_msr[dom])
		return -ENODATA;
	if (rdmsrl_safe_on_cpu(cpu, rapl_msr[dom], &v))
		return -EIO;
	*raw = v & 0xffffffff;
	return 0;
}

struct pwrmig_meter pwrmig_meter_rapl = {
	.kind = PWRMIG_METER_KIND_RAPL,
	.name = "rapl",
	.bits = 32,
	.start = rapl_start,
	.read = rapl_read,
};
