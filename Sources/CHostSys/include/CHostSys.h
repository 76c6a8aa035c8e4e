// CHostSys: the few Linux calls Swift's Glibc module does not import.
#ifndef CHOSTSYS_H
#define CHOSTSYS_H
/// memfd_create(2) with MFD_CLOEXEC.
int chostsys_memfd_create(const char *name);
/* Makes `signo` write one byte to `fd` (a pipe a thread reads): how a
 * user asks a running domain for a state report (`kill -USR2`). */
int chostsys_install_report_signal(int signo, int fd);

#include <stdint.h>
/// The host TSC (the guest reads the same counter natively at CPL3).
static inline uint64_t chostsys_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/// The host's CPUID leaf (eax, ebx, ecx, edx into out[0..3]).
static inline void chostsys_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    __asm__ volatile("cpuid" : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
                     : "a"(leaf), "c"(subleaf));
}
#endif
