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

/* TAP devices (tap.c); each returns -errno on failure. */
#define CHOSTSYS_IFNAMSIZ 16
/// Opens /dev/net/tun (non-blocking) and attaches it to TAP `name`
/// (created if missing; NULL or "" lets the kernel name it) with
/// IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, plus IFF_MULTI_QUEUE when asked; the
/// device's name goes to `out_name`. Returns the fd.
int chostsys_tap_open(const char *name, int multi_queue, char out_name[CHOSTSYS_IFNAMSIZ]);
/// TUNSETVNETHDRSZ.
int chostsys_tap_set_vnet_hdr_size(int fd, int size);
/// TUNSETOFFLOAD with TUN_F_* flags.
int chostsys_tap_set_offload(int fd, unsigned int flags);
/// SIOCGIFFLAGS then SIOCSIFFLAGS with IFF_UP.
int chostsys_netif_set_up(const char *name);
/// SIOCSIFHWADDR (Ethernet).
int chostsys_netif_set_hwaddr(const char *name, const unsigned char mac[6]);
/// SIOCBRADDIF: adds interface `name` to bridge `bridge`.
int chostsys_bridge_add_interface(const char *bridge, const char *name);
#endif
